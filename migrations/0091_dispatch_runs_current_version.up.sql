-- talon_dispatch_runs (0090) again, with two changes (core/src/workflows/README.md, "How runs are
-- dispatched"):
--
-- * A run is written only while `workflow_version` is still its workflow's current version. A trigger
--   may then start from the version this node last saw current, without reading it first: a run
--   whose version is no longer current is left out (no run, no job, no slot) and not answered, and
--   the trigger reads the workflow again and tries once more.
-- * `durable` false (the owner setting workflows.async_run_start) lets a batch whose runs all started
--   here commit without waiting for its WAL flush (synchronous_commit off for this transaction only).
--   A batch with a queued run is always flushed (a queued run must outlive this node to be fetched
--   by another), and a run's end, its last steps and its job's completion are always written with a
--   flush (RunRepository.finishMany). WAL is written in order: once a run's end is flushed, so is
--   its start.
DROP FUNCTION talon_dispatch_runs(jsonb, text, integer, text[]);

CREATE FUNCTION talon_dispatch_runs(batch jsonb, this_node text, free_slots integer, slot_queues text[],
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
    SELECT coalesce(jsonb_object_agg(counted.group_id, counted.n), '{}'::jsonb) INTO busy
    FROM (
      SELECT j.group_id, count(*)::int AS n FROM pgboss.job j
      WHERE j.name = ANY(slot_queues) AND j.group_id = ANY(candidates)
        AND (j.state = 'active' OR (j.state < 'active' AND j.start_after <= now()))
      GROUP BY j.group_id
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
  -- A workflow's local runs in order take its free slots (what the jobs counted leave of max_runs)...
  in_limit AS (
    SELECT ranked.position, row_number() OVER (ORDER BY ranked.position) AS nth
    FROM (
      SELECT b.position, b.workflow_id, b.max_runs,
             row_number() OVER (PARTITION BY b.workflow_id ORDER BY b.position) AS nth_of_workflow
      FROM b WHERE b.local AND candidates IS NOT NULL
    ) ranked
    WHERE coalesce((busy ->> ranked.workflow_id::text)::int, 0) + ranked.nth_of_workflow <= ranked.max_runs
  ),
  -- ...and the first of those, as many as this node has slots free, start here.
  decided AS (
    SELECT b.*, coalesce(in_limit.nth <= free_slots, false) AS claimed
    FROM b LEFT JOIN in_limit ON in_limit.position = b.position
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
