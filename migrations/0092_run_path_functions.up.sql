-- The run path's two statements with plans PL/pgSQL keeps per connection (core/src/workflows/README.md,
-- "How runs are dispatched"; the workflow engine's pool does not reset its connections):
--
-- * talon_dispatch_runs (0091) counts a workflow's busy slots through pg-boss's partial indexes of
--   active and of waiting jobs (the count read every job the queue kept, completed ones included,
--   so a dispatch grew slower with the history), and decides which runs start here with two window
--   functions over the batch instead of joining it to a ranking of itself (run once per run). A job
--   waiting behind a dependency (`blocked`, never the case for a run job) is no longer counted:
--   it cannot be fetched before the new run anyway.
-- * talon_finish_runs: the ends of many runs running on `this_node` (completed or failed) with their
--   last step results, and the completion of their pg-boss jobs (of `job_queues`), in one statement —
--   what RunRepository.finishMany sent as a statement of its own, planned again at every call (about
--   as long as running it for a batch of one). `endings` is a JSON array of {id, status, output,
--   error_code, error_message, error_step_id, steps_executed}; `steps` one of step results ({run_id,
--   seq, step_id, ...}). Answers the runs it ended, with their workflow's name; a run cancelled, lost
--   or handed back meanwhile is not running on this node any more and is left as it is (its steps
--   are kept).

CREATE OR REPLACE FUNCTION talon_dispatch_runs(batch jsonb, this_node text, free_slots integer, slot_queues text[],
                                    durable boolean)
RETURNS SETOF workflow_runs
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  candidates text[];
  busy jsonb := '{}'::jsonb;
BEGIN
  -- A job needs its queue (ensured before): without it nothing of the batch is written.
  IF EXISTS (
    SELECT 1 FROM jsonb_to_recordset(batch) AS b (queue text)
    WHERE NOT EXISTS (SELECT 1 FROM pgboss.queue q WHERE q.name = b.queue)
  ) THEN
    RAISE EXCEPTION 'a run job''s pg-boss queue does not exist';
  END IF;
  IF free_slots > 0 THEN
    SELECT array_agg(DISTINCT b.workflow_id ORDER BY b.workflow_id) INTO candidates
    FROM jsonb_to_recordset(batch) AS b (workflow_id text, local boolean)
    WHERE b.local;
  END IF;
  IF candidates IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext('talon.run-slots:' || w))
    FROM unnest(candidates) AS w ORDER BY w;
    -- Two branches, each the predicate of a small partial index of pg-boss's (active jobs by group;
    -- jobs waiting to be fetched), rather than one that the planner ran over every job ever kept.
    SELECT coalesce(jsonb_object_agg(counted.group_id, counted.n), '{}'::jsonb) INTO busy
    FROM (
      SELECT holding.group_id, count(*)::int AS n
      FROM (
        SELECT j.group_id FROM pgboss.job j
        WHERE j.name = ANY(slot_queues) AND j.group_id = ANY(candidates) AND j.state = 'active'
        UNION ALL
        SELECT j.group_id FROM pgboss.job j
        WHERE j.name = ANY(slot_queues) AND j.group_id = ANY(candidates)
          AND j.state < 'active' AND NOT j.blocked AND j.start_after <= now()
      ) holding
      GROUP BY holding.group_id
    ) counted;
  END IF;
  RETURN QUERY
  WITH b AS (
    -- Only runs of their workflow's current version.
    SELECT b.* FROM jsonb_to_recordset(batch) AS b (position int, id uuid, job_id uuid, workflow_id uuid,
      workflow_version int, trigger text, input jsonb, queue text, group_tier text, data jsonb, max_runs int,
      local boolean)
    JOIN workflows w ON w.id = b.workflow_id AND w.version = b.workflow_version
  ),
  -- A workflow's local runs take its free slots in order (what the jobs counted leave of max_runs)...
  ranked AS (
    SELECT b.*,
      b.local AND candidates IS NOT NULL
        AND coalesce((busy ->> b.workflow_id::text)::int, 0)
          + count(*) FILTER (WHERE b.local) OVER (PARTITION BY b.workflow_id ORDER BY b.position) <= b.max_runs
        AS fits
    FROM b
  ),
  -- ...and the first of those, as many as this node has slots free, start here.
  decided AS (
    SELECT ranked.*,
      ranked.fits AND count(*) FILTER (WHERE ranked.fits) OVER (ORDER BY ranked.position) <= free_slots AS claimed
    FROM ranked
  ),
  jobs AS (
    INSERT INTO pgboss.job (id, name, data, state, start_after, created_on, started_on, heartbeat_on, group_id,
      group_tier, expire_seconds, deletion_seconds, keep_until, retry_limit, retry_delay, retry_backoff,
      retry_delay_max, policy, dead_letter, heartbeat_seconds)
    SELECT d.job_id, d.queue, d.data,
      (CASE WHEN d.claimed THEN 'active' ELSE 'created' END)::pgboss.job_state,
      now(), now(), CASE WHEN d.claimed THEN now() END, CASE WHEN d.claimed THEN now() END,
      d.workflow_id::text, d.group_tier, q.expire_seconds, q.deletion_seconds,
      now() + q.retention_seconds * interval '1s', q.retry_limit, q.retry_delay, q.retry_backoff,
      q.retry_delay_max, q.policy, q.dead_letter, q.heartbeat_seconds
    FROM decided d JOIN pgboss.queue q ON q.name = d.queue
    RETURNING name, state
  ),
  -- The wake-up pg-boss's own insert sends, once per queue that got a waiting job.
  woken AS (
    SELECT count(pg_notify('pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24), waiting.name)) AS n
    FROM (SELECT DISTINCT jobs.name FROM jobs WHERE jobs.state = 'created') waiting
  ),
  runs AS (
    INSERT INTO workflow_runs (id, workflow_id, workflow_version, status, trigger, input, node, job_id, started_at)
    SELECT d.id, d.workflow_id, d.workflow_version, CASE WHEN d.claimed THEN 'running' ELSE 'queued' END,
      d.trigger, d.input, CASE WHEN d.claimed THEN this_node END, CASE WHEN d.claimed THEN d.job_id::text END,
      CASE WHEN d.claimed THEN now() END
    FROM decided d ORDER BY d.position
    RETURNING *
  ),
  -- In effect at this transaction's commit; only when no run of the batch waits in a queue.
  relaxed AS (
    SELECT count(set_config('synchronous_commit', 'off', true)) AS n
    FROM (SELECT 1) one
    WHERE NOT durable AND NOT EXISTS (SELECT 1 FROM decided WHERE NOT decided.claimed)
  )
  SELECT runs.* FROM runs CROSS JOIN woken CROSS JOIN relaxed;
END
$$;

CREATE FUNCTION talon_finish_runs(endings jsonb, steps jsonb, this_node text, job_queues text[])
RETURNS TABLE (id uuid, workflow_id uuid, workflow_name text, workflow_version integer, status text,
  trigger text, input jsonb, output jsonb, error_code text, error_message text, error_step_id text,
  node text, scheduled_for timestamptz, steps_executed integer, created_at timestamptz,
  started_at timestamptz, finished_at timestamptz, approval_deadline timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH inserted AS (
    INSERT INTO workflow_step_results (run_id, seq, step_id, step_name, skill, executed_skill, outcome, branch,
      next_step_id, input_snapshot, output_snapshot, error_code, error_message, attempts, duration_ms,
      api_calls, sanitized, started_at)
    SELECT r.run_id, r.seq, r.step_id, r.step_name, r.skill, r.executed_skill, r.outcome, r.branch, r.next_step_id,
      r.input_snapshot, r.output_snapshot, r.error_code, r.error_message, r.attempts, r.duration_ms,
      COALESCE(r.api_calls, '[]'::jsonb), NULLIF(r.sanitized, 'null'::jsonb), r.started_at
    FROM jsonb_to_recordset(steps) AS r (run_id uuid, seq int, step_id text, step_name text,
      skill text, executed_skill text, outcome text, branch text, next_step_id text, input_snapshot jsonb,
      output_snapshot jsonb, error_code text, error_message text, attempts int, duration_ms int,
      api_calls jsonb, sanitized jsonb, started_at timestamptz)
  ),
  ended AS (
    UPDATE workflow_runs w SET status = e.status, output = e.output, error_code = e.error_code,
      error_message = e.error_message, error_step_id = e.error_step_id, steps_executed = e.steps_executed,
      finished_at = now()
    FROM jsonb_to_recordset(endings) AS e (id uuid, status text, output jsonb, error_code text,
      error_message text, error_step_id text, steps_executed int), workflows wf
    WHERE w.id = e.id AND wf.id = w.workflow_id AND w.status = 'running' AND w.node = this_node
    RETURNING w.id, w.workflow_id, wf.name AS workflow_name, w.workflow_version, w.status, w.trigger, w.input,
      w.output, w.error_code, w.error_message, w.error_step_id, w.node, w.scheduled_for, w.steps_executed,
      w.created_at, w.started_at, w.finished_at, w.approval_deadline, w.job_id
  ),
  -- The run's end and its job's completion commit together (each job found by its key).
  completed AS (
    UPDATE pgboss.job j SET completed_on = now(), state = 'completed'
    FROM (SELECT ended.job_id::uuid AS job_id FROM ended WHERE ended.job_id IS NOT NULL) e
    WHERE j.name = ANY(job_queues) AND j.id = e.job_id AND j.state = 'active'
  )
  SELECT ended.id, ended.workflow_id, ended.workflow_name, ended.workflow_version, ended.status, ended.trigger,
    ended.input, ended.output, ended.error_code, ended.error_message, ended.error_step_id, ended.node,
    ended.scheduled_for, ended.steps_executed, ended.created_at, ended.started_at, ended.finished_at,
    ended.approval_deadline
  FROM ended;
END
$$;
