-- Login rate limiting per client address, in PostgreSQL so a restart does not reset an attacker's
-- count or block. Failures are single rows (a sliding window of auth.rate_limit.window_seconds);
-- a block is one row per address until it expires.
CREATE TABLE login_failures (
  id       bigserial PRIMARY KEY,
  address  text NOT NULL,
  at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_address_at_idx ON login_failures (address, at DESC);

CREATE TABLE login_blocks (
  address        text PRIMARY KEY,
  blocked_at     timestamptz NOT NULL DEFAULT now(),
  blocked_until  timestamptz NOT NULL
);
