import { randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { WorkflowChangedError } from '../workflows/errors.ts';
import type { RunRecord, RunTrigger } from '../workflows/run-repository.ts';
import { RUN_QUEUE, nodeRunQueue } from './queues.ts';
import { dispatchRuns, type RunToDispatch } from './run-jobs.ts';
import type { RunWorker } from './run-worker.ts';

/**
 * A run to create for a workflow at the version the trigger took as current (and checked 2FA for):
 * written only while that version is still current, else refused with `WorkflowChangedError`.
 */
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
  worker: RunWorker;
  node: string;
  /** pg-boss group tier of a workflow's max concurrent runs. */
  tierFor(maxConcurrentRuns: number): string;
  /** Creates a pinned node's queue if this node has not yet. */
  ensureQueue(queue: string): Promise<void>;
  /**
   * The owner setting `workflows.async_run_start`: a batch whose runs all start here commits
   * without waiting for the disk (read at each batch). Default: it waits.
   */
  asyncRunStart?: (() => boolean) | undefined;
}

/**
 * Creates runs and their pg-boss jobs in batches: the runs triggered while the previous batch was
 * being written go in the next one (one statement for the batch, see `dispatchRuns`). A run this
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
    const isLocal = (request: RunDispatch): boolean => {
      const pin = request.workflow.definition.nodePin;
      return pin === null || pin === o.node;
    };
    const slots = o.worker.reserve(batch.filter((entry) => isLocal(entry.request)).length);
    try {
      for (const queue of new Set(batch.map((entry) => this.#queueOf(entry.request))))
        await o.ensureQueue(queue);
      const runs = batch.map(({ request }): RunToDispatch => {
        const { workflow } = request;
        const id = randomUUID();
        return {
          id,
          jobId: randomUUID(),
          workflowId: workflow.id,
          workflowVersion: workflow.version,
          trigger: request.trigger,
          input: request.input,
          queue: this.#queueOf(request),
          data: {
            runId: id,
            workflowId: workflow.id,
            maxConcurrentRuns: workflow.definition.maxConcurrentRuns,
            nodePin: workflow.definition.nodePin,
          },
          groupTier: o.tierFor(workflow.definition.maxConcurrentRuns),
          local: isLocal(request),
        };
      });
      const inserted = await dispatchRuns(o.pool, runs, {
        node: o.node,
        slots,
        slotQueues: [RUN_QUEUE, nodeRunQueue(o.node)],
        durable: !(o.asyncRunStart?.() ?? false),
      });
      const started = runs.filter((_, index) => inserted[index]?.status === 'running');
      o.worker.release(slots - started.length);
      for (const run of started) {
        o.worker.runClaimed(
          { id: run.jobId, queue: run.queue, data: run.data },
          { workflow_id: run.workflowId, workflow_version: run.workflowVersion, input: run.input },
        );
      }
      batch.forEach((entry, index) => {
        const run = inserted[index];
        // Not written: the workflow was saved again since the version the trigger started from.
        if (run) entry.resolve({ ...run, workflow_name: entry.request.workflow.name });
        else entry.reject(new WorkflowChangedError());
      });
    } catch (error) {
      o.worker.release(slots);
      for (const entry of batch) entry.reject(error);
    }
  }
}
