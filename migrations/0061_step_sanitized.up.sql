-- What the content sanitizer removed from the output of an `external` skill's step before the next
-- step received it (null when the step's skill is not external).
ALTER TABLE workflow_step_results ADD COLUMN sanitized jsonb;
