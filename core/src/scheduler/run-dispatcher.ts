import { randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { DispatchedRun, RunRecord, RunRepository, RunTrigger } from '../workflows/run-repository.ts';
import { RUN_QUEUE, nodeRunQueue, type RunJobData } from './queues.ts';
import { countBusySlots, insertRunJobs, lockWorkflowSlots, type RunJobRow } from './run-jobs.ts';
import type { RunWorker } from './run-worker.ts';

/** A run to create for a workflow whose current version was just read (and 2FA checked). */
export interface RunDispatch {
  workflow: {
    id: string;
    name: string;
    version: number;
    /** `steps` lets the scheduler's placement pin a run to the node its steps need. */
    definition: {
      maxConcurrentRuns: number;
      nodePin: string | null;
      steps?: readonly { skill: string; fallbackSkill?: string | null }[];
    };
  };
  trigger: RunTrigger;
  input: JsonValue;
}

interface Pending {
  request: RunDispatch;
  resolve: (run: RunRecord) => void;
  reject: (error: unknown) => void;
}

export interface RunDispatcherOptions {
  pool: DatabasePool;
  runs: RunRepository;
  worker: RunWorker;
  node: string;
  /** pg-boss group tier of a workflow's max concurrent runs. */
  tierFor(maxConcurrentRuns: number): string;
  /** Creates a pinned node's queue if this node has not yet. */
  ensureQueue(queue: string): Promise<void>;
}

/**
 * Creates runs and their pg-boss jobs in batches: the runs triggered while the previous batch was
 * being written go in the next one (one transaction, one INSERT for runs, one for jobs). A run this
 * node can start now — not pinned elsewhere, under its workflow's limit, a local slot free — gets
 * its job already claimed by this node and starts here at once (no queue, no fetch); the others
 * are queued for any node's fetcher. See core/src/workflows/README.md, "How runs are dispatched".
 */
export class RunDispatcher {
  readonly #o: RunDispatcherOptions;
  readonly #pending: Pending[] = [];
  #writing = false;

  constructor(options: RunDispatcherOptions) {
    this.#o = options;
  }

  dispatch(request: RunDispatch): Promise<RunRecord> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ request, resolve, reject });
      if (!this.#writing) void this.#writeBatches();
    });
  }

  async #writeBatches(): Promise<void> {
    this.#writing = true;
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#pending.length > 0) await this.#write(this.#pending.splice(0));
    this.#writing = false;
  }

  #queueOf(request: RunDispatch): string {
    const pin = request.workflow.definition.nodePin;
    return pin === null ? RUN_QUEUE : nodeRunQueue(pin);
  }

  async #write(batch: Pending[]): Promise<void> {
    const o = this.#o;
    const local = (entry: Pending): boolean => {
      const pin = entry.request.workflow.definition.nodePin;
      return pin === null || pin === o.node;
    };
    const slots = o.worker.reserve(batch.filter(local).length);
    let used = 0;
    const claimed: { job: RunJobRow; run: DispatchedRun }[] = [];
    try {
      for (const queue of new Set(batch.map((entry) => this.#queueOf(entry.request))))
        await o.ensureQueue(queue);
      const inserted = await o.pool.transaction(async (tx) => {
        const candidates =
          slots > 0 ? [...new Set(batch.filter(local).map((e) => e.request.workflow.id))] : [];
        const busy = new Map<string, number>();
        if (candidates.length > 0) {
          await lockWorkflowSlots(tx, candidates);
          const counted = await countBusySlots(tx, [RUN_QUEUE, nodeRunQueue(o.node)], candidates);
          for (const [workflowId, count] of counted) busy.set(workflowId, count);
        }
        const runs: DispatchedRun[] = [];
        const jobs: RunJobRow[] = [];
        for (const { request } of batch) {
          const { workflow } = request;
          const taken = busy.get(workflow.id) ?? 0;
          const fast =
            used < slots && candidates.includes(workflow.id) && taken < workflow.definition.maxConcurrentRuns;
          const runId = randomUUID();
          const jobId = randomUUID();
          const data: RunJobData = {
            runId,
            workflowId: workflow.id,
            maxConcurrentRuns: workflow.definition.maxConcurrentRuns,
            nodePin: workflow.definition.nodePin,
          };
          const run: DispatchedRun = {
            id: runId,
            workflowId: workflow.id,
            workflowVersion: workflow.version,
            trigger: request.trigger,
            input: request.input,
            status: fast ? 'running' : 'queued',
            node: fast ? o.node : null,
            jobId: fast ? jobId : null,
          };
          const job: RunJobRow = {
            id: jobId,
            queue: this.#queueOf(request),
            data,
            groupTier: o.tierFor(workflow.definition.maxConcurrentRuns),
            claimed: fast,
          };
          runs.push(run);
          jobs.push(job);
          if (fast) {
            used += 1;
            busy.set(workflow.id, taken + 1);
            claimed.push({ job, run });
          }
        }
        const rows = await o.runs.insertMany(runs, tx);
        await insertRunJobs(tx, jobs);
        return rows;
      });
      o.worker.release(slots - used);
      for (const { job, run } of claimed) {
        o.worker.runClaimed(
          { id: job.id, queue: job.queue, data: job.data },
          { workflow_id: run.workflowId, workflow_version: run.workflowVersion, input: run.input },
        );
      }
      batch.forEach((entry, index) =>
        entry.resolve({ ...inserted[index]!, workflow_name: entry.request.workflow.name }),
      );
    } catch (error) {
      o.worker.release(slots);
      for (const entry of batch) entry.reject(error);
    }
  }
}
