-- Signed webhook triggers of workflows (core/src/webhooks/). The secret itself is a sensitive
-- setting (workflows.webhook.<id>.secret: encrypted, rotated with the others, never exported).
CREATE TABLE workflow_webhooks (
  workflow_id        uuid PRIMARY KEY REFERENCES workflows (id) ON DELETE CASCADE,
  enabled            boolean NOT NULL DEFAULT true,
  -- Answer with the run's output when it ends within 30 s (otherwise 202 with the run id).
  wait_for_output    boolean NOT NULL DEFAULT false,
  created_at         timestamptz NOT NULL DEFAULT now(),
  secret_created_at  timestamptz NOT NULL DEFAULT now()
);

-- Messages accepted per workflow: webhook-ids against replay, and the deliveries of the last
-- minute for the rate limit.
CREATE TABLE workflow_webhook_messages (
  workflow_id  uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  message_id   text NOT NULL CHECK (length(message_id) BETWEEN 1 AND 256),
  run_id       uuid,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, message_id)
);
CREATE INDEX workflow_webhook_messages_recent_idx ON workflow_webhook_messages (workflow_id, received_at);
