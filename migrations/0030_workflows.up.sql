-- Workflows: the current definition (with its steps) and every version ever saved, so a run can say
-- exactly which definition it executed and a 2FA approval can be bound to one version.
CREATE TABLE workflows (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                      text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  description               text NOT NULL DEFAULT '',
  enabled                   boolean NOT NULL DEFAULT true,
  version                   integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  schedule_cron             text,
  schedule_timezone         text NOT NULL DEFAULT 'UTC',
  missed_run_policy         text NOT NULL DEFAULT 'skip' CHECK (missed_run_policy IN ('skip', 'run_once')),
  -- The owner switched the schedule on; with requires_2fa it fires only while approved_version = version.
  schedule_enabled          boolean NOT NULL DEFAULT false,
  schedule_approved_version integer,
  -- The occurrence the schedule last accounted for (fired, skipped or recorded as missed).
  schedule_last_tick_at     timestamptz,
  requires_2fa              boolean NOT NULL DEFAULT false,
  llm_tier                  text,
  llm_provider              text,
  node_pin                  text,
  max_concurrent_runs       integer NOT NULL DEFAULT 1 CHECK (max_concurrent_runs BETWEEN 1 AND 50),
  step_budget               integer NOT NULL DEFAULT 100 CHECK (step_budget BETWEEN 1 AND 10000),
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now()
);

-- Steps of the current version, in order. Ids are stable across edits (routes and input_from name them).
CREATE TABLE workflow_steps (
  workflow_id     uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  position        integer NOT NULL CHECK (position >= 0),
  step_id         text NOT NULL,
  name            text NOT NULL,
  skill           text NOT NULL,
  skill_version   text,
  config          jsonb NOT NULL DEFAULT '{}'::jsonb,
  input_from      text,
  routes          jsonb NOT NULL DEFAULT '{}'::jsonb,
  retry           jsonb NOT NULL DEFAULT '{}'::jsonb,
  on_unavailable  text NOT NULL DEFAULT 'halt' CHECK (on_unavailable IN ('halt', 'skip', 'fallback')),
  fallback_skill  text,
  PRIMARY KEY (workflow_id, step_id),
  UNIQUE (workflow_id, position)
);
CREATE INDEX workflow_steps_skill_idx ON workflow_steps (skill);

-- Immutable snapshots: the whole validated definition of each saved version.
CREATE TABLE workflow_versions (
  workflow_id  uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  version      integer NOT NULL,
  definition   jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, version)
);

CREATE TABLE workflow_runs (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workflow_id       uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  workflow_version  integer NOT NULL,
  status            text NOT NULL CHECK (status IN ('queued', 'running', 'waiting_2fa', 'completed', 'failed', 'cancelled')),
  trigger           text NOT NULL CHECK (trigger IN ('manual', 'api', 'telegram', 'schedule', 'webhook')),
  input             jsonb,
  output            jsonb,
  error_code        text,
  error_message     text,
  error_step_id     text,
  node              text,
  -- The cron occurrence a scheduled run stands for.
  scheduled_for     timestamptz,
  steps_executed    integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz,
  -- A waiting_2fa run is cancelled when nobody approves it by then.
  approval_deadline timestamptz
);
CREATE INDEX workflow_runs_workflow_idx ON workflow_runs (workflow_id, created_at DESC);
CREATE INDEX workflow_runs_active_idx ON workflow_runs (status) WHERE status IN ('queued', 'running', 'waiting_2fa');
CREATE INDEX workflow_runs_finished_idx ON workflow_runs (finished_at) WHERE finished_at IS NOT NULL;

-- One row per executed step, in execution order (a step that runs twice after a backward jump has two).
CREATE TABLE workflow_step_results (
  run_id           uuid NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
  seq              integer NOT NULL,
  step_id          text NOT NULL,
  step_name        text NOT NULL,
  skill            text NOT NULL,
  -- The skill that produced the output: the step's, or its fallback.
  executed_skill   text,
  outcome          text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'skipped', 'fallback')),
  branch           text,
  next_step_id     text,
  input_snapshot   jsonb,
  output_snapshot  jsonb,
  error_code       text,
  error_message    text,
  attempts         integer NOT NULL DEFAULT 1,
  duration_ms      integer NOT NULL DEFAULT 0,
  api_calls        jsonb NOT NULL DEFAULT '[]'::jsonb,
  started_at       timestamptz NOT NULL,
  PRIMARY KEY (run_id, seq)
);

-- Schedule occurrences that came due while no node ran them: shown, never silently dropped.
CREATE TABLE workflow_missed_ticks (
  id             bigserial PRIMARY KEY,
  workflow_id    uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  scheduled_for  timestamptz NOT NULL,
  policy         text NOT NULL CHECK (policy IN ('skip', 'run_once')),
  -- skipped: nothing ran for it; caught_up: the single run_once run stands for it; suspended: the
  -- schedule waits for a 2FA re-approval.
  action         text NOT NULL CHECK (action IN ('skipped', 'caught_up', 'suspended')),
  run_id         uuid REFERENCES workflow_runs (id) ON DELETE SET NULL,
  detected_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workflow_id, scheduled_for)
);
