import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { WorkflowExecutor } from './executor.ts';
import type { WorkflowRepository } from './repository.ts';
import type { RunEvents } from './run-events.ts';
import type { RunRepository } from './run-repository.ts';

export type ProcessResult = 'finished' | 'not_queued' | 'cancelled' | 'handed_back';

interface ActiveRun {
  controller: AbortController;
  reason: 'cancel' | 'handback' | undefined;
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

  async process(runId: string): Promise<ProcessResult> {
    const run = await this.#runs.find(runId);
    if (!run || !(await this.#runs.start(runId, this.#node))) return 'not_queued';
    const controller = new AbortController();
    let settle!: () => void;
    const active: ActiveRun = {
      controller,
      reason: undefined,
      done: new Promise<void>((resolve) => (settle = resolve)),
    };
    this.#active.set(runId, active);
    this.#events.publish({ type: 'run_status', runId, status: 'running' });
    const log = this.#logger.child({ runId, workflowId: run.workflow_id });
    try {
      const definition = await this.#workflows.definitionAt(run.workflow_id, run.workflow_version);
      const outcome = await this.#executor.execute({
        runId,
        definition,
        input: run.input,
        signal: controller.signal,
        hooks: {
          stepStarted: (step) => this.#events.publish({ type: 'step_started', runId, ...step }),
          stepFinished: async (step) => {
            await this.#runs.appendStep(runId, step);
            this.#events.publish({ type: 'step_finished', runId, step });
          },
        },
      });
      if (outcome.status === 'aborted') {
        if (active.reason === 'handback' && (await this.#runs.handBack(runId))) {
          this.#events.publish({ type: 'run_status', runId, status: 'queued' });
          return 'handed_back';
        }
        return 'cancelled';
      }
      const ended = await this.#runs.finish(runId, {
        status: outcome.status,
        output: outcome.output,
        errorCode: outcome.status === 'failed' ? outcome.error.code : null,
        errorMessage: outcome.status === 'failed' ? outcome.error.message : null,
        errorStepId: outcome.status === 'failed' ? outcome.error.stepId : null,
        stepsExecuted: outcome.stepsExecuted,
      });
      if (!ended) return 'cancelled';
      this.#events.publish({
        type: 'run_status',
        runId,
        status: outcome.status,
        errorCode: outcome.status === 'failed' ? outcome.error.code : null,
      });
      return 'finished';
    } catch (error) {
      // A database or engine fault: the run must not stay `running`.
      log.error({ reason: errorMessage(error) }, 'workflow run failed unexpectedly');
      await this.#runs
        .finish(runId, {
          status: 'failed',
          output: null,
          errorCode: 'internal_error',
          errorMessage: 'The run stopped because of an internal error (see the server log)',
          errorStepId: null,
          stepsExecuted: 0,
        })
        .catch(() => undefined);
      this.#events.publish({ type: 'run_status', runId, status: 'failed', errorCode: 'internal_error' });
      return 'finished';
    } finally {
      this.#active.delete(runId);
      settle();
    }
  }

  /** Stops a run executing here before its next step; false when it is not running on this node. */
  abort(runId: string, reason: 'cancel' | 'handback'): boolean {
    const active = this.#active.get(runId);
    if (!active) return false;
    active.reason ??= reason;
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
   * Shutdown: every run still executing here stops before its next step and goes back to `queued`
   * (its `process` call answers `handed_back`, and the caller re-queues it). Waits until they stopped.
   */
  async handBackAll(): Promise<void> {
    const active = [...this.#active.entries()];
    for (const [id] of active) this.abort(id, 'handback');
    await Promise.all(active.map(([, run]) => run.done));
  }
}
