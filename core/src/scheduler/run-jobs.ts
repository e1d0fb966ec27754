import { sql, type CommonQueryMethods } from 'slonik';
import type { JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { insertedRunRow, type InsertedRun, type RunTrigger } from '../workflows/run-repository.ts';
import type { RunJobData } from './queues.ts';

/** A run to create with its pg-boss job, in one batch. */
export interface RunToDispatch {
  id: string;
  jobId: string;
  workflowId: string;
  workflowVersion: number;
  trigger: RunTrigger;
  input: JsonValue;
  /** The pg-boss queue of its job (the shared one, or the pinned node's). */
  queue: string;
  data: RunJobData;
  groupTier: string;
  /** This node may start it: not pinned to another node. */
  local: boolean;
}

export interface DispatchOptions {
  node: string;
  /** This node's run slots reserved for the batch: at most this many runs start here. */
  slots: number;
  /** The queues whose active or due jobs hold a workflow's slots. */
  slotQueues: readonly string[];
  /**
   * False (the owner setting `workflows.async_run_start`): a batch whose runs all start here
   * commits without waiting for the disk. A batch with a queued run always waits.
   */
  durable: boolean;
}

/**
 * Creates a batch of runs with their pg-boss jobs in one statement (`talon_dispatch_runs`,
 * migrations 0090–0092): under per-workflow advisory locks, a local run whose workflow has a
 * slot free (counting active and due jobs on every node) starts here while `slots` last — its run
 * `running` on this node, its job inserted already claimed (`active`, heartbeat now: pg-boss's group
 * limit counts it, no worker fetches it, a lapsed heartbeat sends it to the dead-letter queue);
 * every other run is `queued` with its job `created` and pg-boss's NOTIFY sent with the commit. Job
 * defaults (retry limit, heartbeat, expiry, dead letter) come from the queue, as pg-boss's `insert`
 * takes them. A run is written only while its `workflowVersion` is still its workflow's current
 * version. Answers the runs in batch order, undefined for a run whose version was no longer current.
 */
export async function dispatchRuns(
  connection: CommonQueryMethods,
  runs: readonly RunToDispatch[],
  options: DispatchOptions,
): Promise<(InsertedRun | undefined)[]> {
  const batch = runs.map((run, position) => ({
    position,
    id: run.id,
    job_id: run.jobId,
    workflow_id: run.workflowId,
    workflow_version: run.workflowVersion,
    trigger: run.trigger,
    input: run.input ?? null,
    queue: run.queue,
    group_tier: run.groupTier,
    data: run.data,
    max_runs: run.data.maxConcurrentRuns,
    local: run.local,
  }));
  const inserted = await connection.any(sql.type(insertedRunRow)`
    SELECT id, workflow_id, workflow_version, status, trigger, input, output, error_code, error_message,
      error_step_id, node, scheduled_for, steps_executed, created_at, started_at, finished_at, approval_deadline
    FROM talon_dispatch_runs(${sql.jsonb(batch as unknown as JsonValue)}, ${options.node}, ${options.slots},
      ${sql.array(options.slotQueues, 'text')}, ${options.durable})`);
  const byId = new Map(inserted.map((row) => [row.id, row]));
  return runs.map((run) => byId.get(run.id));
}
