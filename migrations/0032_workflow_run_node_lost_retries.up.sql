-- How often a run went back to the queue because its node was lost (a workflow may allow one retry).
ALTER TABLE workflow_runs ADD COLUMN node_lost_retries integer NOT NULL DEFAULT 0;
