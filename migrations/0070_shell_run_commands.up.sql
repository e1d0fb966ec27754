-- Shell commands workflow runs have run (core/src/shell/approvals.ts): a run's 2FA approval covers
-- the fixed command of each shell step once, so a retry, a restart after a lost node or a loop back
-- finds the command here and does not run it again.
CREATE TABLE shell_run_commands (
  run_id      uuid NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
  command     text NOT NULL,
  executed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shell_run_commands_run_idx ON shell_run_commands (run_id, command);
