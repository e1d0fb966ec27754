-- TOTP replay protection and wrong-code limiting. The secret itself is the sensitive setting
-- auth.totp.secret (encrypted at rest); this holds only the last time-step a code was accepted for
-- (a code of that step or an earlier one is refused) and the recent wrong codes.
CREATE TABLE totp_replay_guard (
  id              smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  last_time_step  bigint NOT NULL,
  accepted_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE totp_failures (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  action  text NOT NULL,
  source  text
);
CREATE INDEX totp_failures_at_idx ON totp_failures (at DESC);
