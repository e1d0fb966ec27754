import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { RunJobData } from './queues.ts';

/** pg-boss's schema (its tables are read and written here only through the statements below). */
const SCHEMA = 'pgboss';

export interface RunJobRow {
  id: string;
  queue: string;
  data: RunJobData;
  groupTier: string;
  /**
   * Claimed by this node at once (state `active`, heartbeat now): no worker fetches it, pg-boss's
   * group limit counts it, and its lapsing heartbeat sends it to the dead-letter queue like any
   * fetched job. Otherwise `created`, for any node's fetcher.
   */
  claimed: boolean;
}

/**
 * Run jobs written straight into pg-boss's job table, in the caller's transaction, so a batch of
 * runs and their jobs commit together (pg-boss's own `insert` cannot create a job already claimed).
 * Defaults (retry limit, heartbeat, expiry, dead letter) come from the queue, as `insert` does it.
 */
export async function insertRunJobs(
  connection: CommonQueryMethods,
  rows: readonly RunJobRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const json = rows.map((row) => ({
    id: row.id,
    name: row.queue,
    data: row.data,
    group_id: row.data.workflowId,
    group_tier: row.groupTier,
    claimed: row.claimed,
  }));
  await connection.query(sql.unsafe`
    INSERT INTO ${sql.identifier([SCHEMA, 'job'])} (id, name, data, state, start_after, created_on, started_on,
      heartbeat_on, group_id, group_tier, expire_seconds, deletion_seconds, keep_until, retry_limit, retry_delay,
      retry_backoff, retry_delay_max, policy, dead_letter, heartbeat_seconds)
    SELECT j.id, j.name, j.data,
      (CASE WHEN j.claimed THEN 'active' ELSE 'created' END)::${sql.identifier([SCHEMA, 'job_state'])},
      now(), now(), CASE WHEN j.claimed THEN now() END, CASE WHEN j.claimed THEN now() END,
      j.group_id, j.group_tier, q.expire_seconds, q.deletion_seconds,
      now() + q.retention_seconds * interval '1s', q.retry_limit, q.retry_delay, q.retry_backoff,
      q.retry_delay_max, q.policy, q.dead_letter, q.heartbeat_seconds
    FROM jsonb_to_recordset(${sql.jsonb(json as unknown as JsonValue)}) AS j (id uuid, name text, data jsonb,
      group_id text, group_tier text, claimed boolean)
    JOIN ${sql.identifier([SCHEMA, 'queue'])} q ON q.name = j.name`);
  const waiting = [...new Set(rows.filter((row) => !row.claimed).map((row) => row.queue))];
  for (const queue of waiting) {
    // The same wake-up pg-boss's own insert sends, committed with the jobs.
    await connection.query(sql.unsafe`
      SELECT pg_notify('pgboss_' || left(encode(sha224(${SCHEMA}::bytea), 'hex'), 24), ${queue})`);
  }
}

/**
 * Per workflow, the run jobs that hold or are about to take one of its concurrency slots: claimed
 * (`active`), or waiting and due (they run first: a new run does not overtake them).
 */
export async function countBusySlots(
  connection: CommonQueryMethods,
  queues: readonly string[],
  workflowIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await connection.any(sql.type(z.object({ group_id: z.string(), busy: z.number() }))`
    SELECT group_id, count(*)::int AS busy FROM ${sql.identifier([SCHEMA, 'job'])}
    WHERE name = ANY(${sql.array(queues, 'text')}) AND group_id = ANY(${sql.array(workflowIds, 'text')})
      AND (state = 'active' OR (state < 'active' AND start_after <= now()))
    GROUP BY group_id`);
  return new Map(rows.map((row) => [row.group_id, row.busy]));
}

/**
 * Serializes the slot decisions for these workflows across nodes until the transaction ends (so two
 * nodes cannot both take a workflow's last slot).
 */
export async function lockWorkflowSlots(
  connection: CommonQueryMethods,
  workflowIds: readonly string[],
): Promise<void> {
  await connection.query(sql.unsafe`
    SELECT pg_advisory_xact_lock(hashtext('talon.run-slots:' || w))
    FROM (SELECT w FROM unnest(${sql.array([...workflowIds].sort(), 'text')}) AS w ORDER BY w) ordered`);
}
