-- The pg-boss job a running run belongs to: a lost job marks its run `node_lost` only while the run
-- still belongs to that job (not after it was handed back and picked up by another node).
ALTER TABLE workflow_runs ADD COLUMN job_id text;
