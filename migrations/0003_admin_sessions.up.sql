-- Admin sessions, server side. The encrypted session cookie carries a random id; this table holds only
-- its SHA-256, so logout, the idle timeout and the absolute lifetime are enforced here and a stolen
-- cookie stops working once the session ends (a stateless cookie alone could not be revoked).
CREATE TABLE admin_sessions (
  id_hash       bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  ended_at      timestamptz,
  end_reason    text CHECK (end_reason IN ('logout', 'expired', 'idle', 'replaced')),
  source        text NOT NULL,
  user_agent    text
);
CREATE INDEX admin_sessions_open_idx ON admin_sessions (created_at) WHERE ended_at IS NULL;
