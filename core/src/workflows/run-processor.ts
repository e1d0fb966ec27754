import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { WorkflowExecutor } from './executor.ts';
import type { WorkflowRepository } from './repository.ts';
import type { RunEvents } from './run-events.ts';
import type {
  ClaimedRun,
  RunEnding,
  RunFinish,
  RunRecord,
  RunRepository,
  StepResultRecord,
} from './run-repository.ts';

/**
 * A run's step results are written together: at its end, or as soon as a step ends this long after
 * the last write, so a fast run costs one history write and a slow one still shows its progress.
 */
const HISTORY_FLUSH_MS = 200;

export type ProcessResult = 'finished' | 'not_queued' | 'cancelled' | 'handed_back';

/** The pg-boss job a run is processed for, and how to queue the run again after a hand-back. */
export interface RunJob {
  id: string;
  /** Its pg-boss queue: a run that ends here completes its job in the same statement. */
  queue: string;
  requeue(): Promise<void>;
}

interface ActiveRun {
  controller: AbortController;
  job: RunJob;
  /** Set once the run went back to the queue: nothing this execution does is written any more. */
  handedBack: boolean;
  done: Promise<unknown>;
}

/**
 * Executes one queued run on this node: claims it (queued → running), walks its workflow version,
 * writes history step by step, and ends it — unless it was cancelled or handed back meanwhile.
 */
export class RunProcessor {
  readonly #workflows: WorkflowRepository;
  readonly #runs: RunRepository;
  readonly #executor: WorkflowExecutor;
  readonly #events: RunEvents;
  readonly #logger: Logger;
  readonly #node: string;
  readonly #active = new Map<string, ActiveRun>();
  readonly #endings: {
    finish: RunFinish;
    resolve: (ended: RunRecord | undefined) => void;
    reject: (error: unknown) => void;
  }[] = [];
  #writingEndings = false;

  constructor(options: {
    workflows: WorkflowRepository;
    runs: RunRepository;
    executor: WorkflowExecutor;
    events: RunEvents;
    logger: Logger;
    node: string;
  }) {
    this.#workflows = options.workflows;
    this.#runs = options.runs;
    this.#executor = options.executor;
    this.#events = options.events;
    this.#logger = options.logger;
    this.#node = options.node;
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Claims a queued run for this node and job (queued → running), then executes it. */
  async process(runId: string, job: RunJob): Promise<ProcessResult> {
    const run = await this.#runs.start(runId, this.#node, job.id);
    if (!run) return 'not_queued';
    return this.processClaimed(runId, run, job);
  }

  /** Executes a run already `running` on this node for this job (claimed by the fast path or `process`). */
  async processClaimed(runId: string, run: ClaimedRun, job: RunJob): Promise<ProcessResult> {
    let settle!: () => void;
    const active: ActiveRun = {
      controller: new AbortController(),
      job,
      handedBack: false,
      done: new Promise<void>((resolve) => (settle = resolve)),
    };
    this.#active.set(runId, active);
    const unwritten: StepResultRecord[] = [];
    let lastWrite = performance.now();
    const writeHistory = async (): Promise<void> => {
      lastWrite = performance.now();
      if (unwritten.length > 0 && !active.handedBack)
        await this.#runs.appendSteps(runId, unwritten.splice(0));
    };
    this.#events.publish({ type: 'run_status', runId, status: 'running' });
    try {
      const definition = await this.#workflows.definitionAt(run.workflow_id, run.workflow_version);
      const outcome = await this.#executor.execute({
        runId,
        workflowId: run.workflow_id,
        definition,
        input: run.input,
        signal: active.controller.signal,
        hooks: {
          stepStarted: (step) => this.#events.publish({ type: 'step_started', runId, ...step }),
          stepFinished: async (step) => {
            if (active.handedBack) return;
            unwritten.push(step);
            this.#events.publish({ type: 'step_finished', runId, step });
            if (performance.now() - lastWrite >= HISTORY_FLUSH_MS) await writeHistory();
          },
        },
      });
      if (active.handedBack) return 'handed_back';
      if (outcome.status === 'aborted') {
        await writeHistory(); // what ran before the cancel stays in history
        return 'cancelled';
      }
      const failed = outcome.status === 'failed' ? outcome.error : null;
      const ended = await this.#finish(
        runId,
        job,
        {
          status: outcome.status,
          output: outcome.output,
          errorCode: failed?.code ?? null,
          errorMessage: failed?.message ?? null,
          errorStepId: failed?.stepId ?? null,
          stepsExecuted: outcome.stepsExecuted,
        },
        unwritten.splice(0),
      );
      if (!ended) return 'cancelled';
      this.#events.publish({
        type: 'run_status',
        runId,
        status: outcome.status,
        errorCode: failed?.code ?? null,
        run: ended,
      });
      return 'finished';
    } catch (error) {
      if (active.handedBack) return 'handed_back';
      // A database or engine fault: the run must not stay `running`.
      this.#logger.error(
        { runId, workflowId: run.workflow_id, reason: errorMessage(error) },
        'workflow run failed unexpectedly',
      );
      // Written: its job was completed with it. Not written (the database is away): the job is left
      // to lapse, so the run ends node_lost. Already ended otherwise: the job is completed apart.
      const ended = await this.#finish(
        runId,
        job,
        {
          status: 'failed',
          output: null,
          errorCode: 'internal_error',
          errorMessage: 'The run stopped because of an internal error (see the server log)',
          errorStepId: null,
          stepsExecuted: 0,
        },
        unwritten.splice(0),
      ).then(
        (run) => (run ? 'written' : 'not_running'),
        () => 'failed',
      );
      this.#events.publish({ type: 'run_status', runId, status: 'failed', errorCode: 'internal_error' });
      return ended === 'not_running' ? 'cancelled' : 'finished';
    } finally {
      this.#active.delete(runId);
      settle();
    }
  }

  /**
   * Writes a run's end with its last steps, together with the other runs ending about now (one
   * statement for all); resolves with the ended run, or undefined when it was cancelled, lost or
   * handed back meanwhile.
   */
  #finish(
    runId: string,
    job: RunJob,
    ending: RunEnding,
    steps: readonly StepResultRecord[],
  ): Promise<RunRecord | undefined> {
    return new Promise<RunRecord | undefined>((resolve, reject) => {
      this.#endings.push({ finish: { id: runId, ending, steps, jobQueue: job.queue }, resolve, reject });
      if (!this.#writingEndings) void this.#writeEndings();
    });
  }

  /** One write in flight at a time; the ends that arrive meanwhile go in the next one. */
  async #writeEndings(): Promise<void> {
    this.#writingEndings = true;
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#endings.length > 0) {
      const batch = this.#endings.splice(0);
      try {
        const ended = await this.#runs.finishMany(
          this.#node,
          batch.map((entry) => entry.finish),
        );
        for (const entry of batch) entry.resolve(ended.get(entry.finish.id));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.#writingEndings = false;
  }

  /** Stops a run executing here before its next step (it was cancelled); false when it is not here. */
  abort(runId: string): boolean {
    const active = this.#active.get(runId);
    if (!active) return false;
    active.controller.abort();
    return true;
  }

  /** Waits until no run executes here, or the time is up; true when idle. */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const idle = Promise.all([...this.#active.values()].map((active) => active.done)).then(() => true);
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Shutdown: every run still executing here goes back to `queued` (its history so far dropped) and
   * is queued again for any node; whatever its step in flight still does is discarded. Does not
   * wait for that step: the process is about to exit and a skill call cannot be interrupted.
   */
  async handBackAll(): Promise<number> {
    let handedBack = 0;
    for (const [runId, active] of this.#active) {
      active.controller.abort();
      if (!(await this.#runs.handBack(runId, this.#node))) continue; // it just ended on its own
      active.handedBack = true;
      await active.job.requeue();
      this.#events.publish({ type: 'run_status', runId, status: 'queued' });
      handedBack += 1;
    }
    return handedBack;
  }
}
