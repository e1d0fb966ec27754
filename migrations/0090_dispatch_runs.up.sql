-- One statement creates a batch of workflow runs with their pg-boss jobs (core/src/workflows/README.md,
-- "How runs are dispatched"). Before, a batch was a transaction of six round trips: BEGIN, the
-- per-workflow advisory locks, the count of busy slots, the INSERT of runs, the INSERT of jobs, COMMIT.
--
-- `batch` is a JSON array, one object per run in trigger order: position, id, job_id, workflow_id,
-- workflow_version, trigger, input, queue (the pg-boss queue of its job), group_tier, data (the job's
-- data), max_runs (the workflow's max concurrent runs) and local (this node may start it: not pinned
-- to another node). A local run is started here at once — its run `running` on `this_node`, its job
-- inserted already claimed (`active`, heartbeat now) — while its workflow has a slot free, counting
-- the jobs of `slot_queues` that are active or queued and due, and while `free_slots` (this node's
-- free run slots) last. Every other run is `queued` with its job `created`, and the queue's
-- pg-boss NOTIFY is sent (delivered at commit, with the jobs).
--
-- Why a function: the slot count must see the jobs another node claimed up to the moment this one
-- got the advisory lock. In READ COMMITTED each statement of a volatile PL/pgSQL function takes a
-- new snapshot, so the count (after the lock) sees them; a single plain statement would count from
-- a snapshot taken before it waited for the lock. The locks are held until the calling statement's
-- transaction commits. Its statements are planned once per connection and the plans kept, as long as
-- the connection is not reset (`DISCARD ALL`) in between: the workflow engine's pool does not reset.
--
-- The pg-boss 12 columns and states used here are the ones `insert` writes; a pg-boss upgrade must
-- check them (the dispatch tests fail if a job is not claimed, counted or completed as described).
CREATE FUNCTION talon_dispatch_runs(batch jsonb, this_node text, free_slots integer, slot_queues text[])
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
    SELECT * FROM jsonb_to_recordset(batch) AS b (position int, id uuid, job_id uuid, workflow_id uuid,
      workflow_version int, trigger text, input jsonb, queue text, group_tier text, data jsonb, max_runs int,
      local boolean)
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
  )
  SELECT runs.* FROM runs CROSS JOIN woken;
END
$$;
