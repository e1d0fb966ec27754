-- Secret bindings chosen in a workflow step's config (api_request's `secretBinding`): approved with a
-- fresh 2FA code when the step is saved, one row per workflow, step and binding (its one-line key, as a
-- skill's own bindings are granted). A run hands a step's binding to the skill only while its row exists.
CREATE TABLE workflow_step_secret_bindings (
  workflow_id  uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  step_id      text NOT NULL,
  binding_key  text NOT NULL CHECK (length(binding_key) BETWEEN 1 AND 4000),
  approved_by  text NOT NULL,
  approved_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, step_id, binding_key)
);

-- Built-in workflows Talon creates once (the "chat" workflow): a workflow the owner deleted or renamed
-- does not come back at the next start. Safe when several nodes start together (the row is claimed first).
CREATE TABLE builtin_workflow_seeds (
  name       text PRIMARY KEY,
  seeded_at  timestamptz NOT NULL DEFAULT now()
);
