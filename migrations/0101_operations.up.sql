-- The operator's screens (issue 17).

-- Sessions ended from the Sessions screen ("end this session", "end all others").
ALTER TABLE admin_sessions DROP CONSTRAINT admin_sessions_end_reason_check;
ALTER TABLE admin_sessions ADD CONSTRAINT admin_sessions_end_reason_check
  CHECK (end_reason IN ('logout', 'expired', 'idle', 'replaced', 'ended_by_owner'));

-- Every backup Talon wrote (core/src/backup/): what the admin lists and `talon doctor` reads ("no
-- backup in the last 7 days"). A scheduled one claims its occurrence here first, so one node runs it.
CREATE TABLE backups (
  id             bigserial PRIMARY KEY,
  trigger        text NOT NULL CHECK (trigger IN ('schedule', 'admin', 'cli')),
  scheduled_for  timestamptz UNIQUE,
  node           text NOT NULL,
  status         text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  file           text,
  bytes          bigint,
  error          text,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz
);
CREATE INDEX backups_finished_idx ON backups (finished_at DESC) WHERE status = 'succeeded';

-- The recent log lines of each node (already redacted), so the Logs screen of any node can show
-- another's; each node keeps its own last lines here and the rest is pruned.
CREATE TABLE node_log_lines (
  id     bigserial PRIMARY KEY,
  node   text NOT NULL,
  at     timestamptz NOT NULL,
  level  smallint NOT NULL,
  line   text NOT NULL
);
CREATE INDEX node_log_lines_node_idx ON node_log_lines (node, id);
