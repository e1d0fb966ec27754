-- The browser sidecar's side in the core (core/src/automation/): recipes the owner recorded and
-- reviewed, the replays they ran (with the files kept from them), and one-time live-view tickets.

-- A recipe (Talon's versioned JSON, skill-runtime/src/recipes/) saved as a resource. A recording's
-- draft starts as `draft` (its `problems` say what keeps it from validating); no workflow may
-- replay it until the owner reviewed it (`ready`, with a 2FA code once enrolled). `setting_name` is
-- the name with '-' as '_': its secret handles and kept session live in the encrypted settings
-- under `automation.secret.<setting_name>.<handle>` and `automation.session.<setting_name>`.
CREATE TABLE automation_recipes (
  id               uuid PRIMARY KEY,
  name             text NOT NULL UNIQUE,
  setting_name     text NOT NULL UNIQUE,
  recipe           jsonb NOT NULL,
  problems         jsonb NOT NULL DEFAULT '[]',
  status           text NOT NULL CHECK (status IN ('draft', 'ready')),
  version          integer NOT NULL DEFAULT 1,
  keep_session     boolean NOT NULL DEFAULT false,
  source_recording text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  reviewed_at      timestamptz
);

-- One replay: what the sidecar answered (steps, scraped data, refused requests; never a secret or
-- the session) and the files the core copied under DATA_DIR/automation/runs/<id>/.
CREATE TABLE automation_runs (
  id              uuid PRIMARY KEY,
  recipe_id       uuid NOT NULL REFERENCES automation_recipes (id) ON DELETE CASCADE,
  recipe_name     text NOT NULL,
  trigger         text NOT NULL CHECK (trigger IN ('admin', 'telegram', 'workflow')),
  workflow_run_id uuid,
  status          text NOT NULL CHECK (status IN ('succeeded', 'failed')),
  error           jsonb,
  result          jsonb NOT NULL,
  files           jsonb NOT NULL DEFAULT '[]',
  files_bytes     bigint NOT NULL DEFAULT 0,
  started_at      timestamptz NOT NULL,
  finished_at     timestamptz NOT NULL
);
CREATE INDEX automation_runs_recipe_idx ON automation_runs (recipe_id, finished_at DESC);

-- Live-view tickets: one WebSocket each, within 60 s, from the admin session that asked (by its
-- non-secret tag), for one recording. Only the ticket's SHA-256 is stored; using it deletes it.
CREATE TABLE automation_live_tickets (
  ticket_hash  bytea PRIMARY KEY,
  session_tag  text NOT NULL,
  recording_id text NOT NULL,
  expires_at   timestamptz NOT NULL
);
CREATE INDEX automation_live_tickets_expiry_idx ON automation_live_tickets (expires_at);
