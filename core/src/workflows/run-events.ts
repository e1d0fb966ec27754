import { EventEmitter } from 'node:events';
import type { RunRecord, RunStatus, StepResultRecord } from './run-repository.ts';

/** Ended runs kept for waiters that subscribe just after the end (a fast run can end that soon). */
const RECENT_ENDS = 1_000;

/** Live progress of runs executing on this node (server-sent events read it). */
export type RunEvent =
  | {
      type: 'run_status';
      runId: string;
      status: RunStatus;
      errorCode?: string | null;
      /** The run as its end was written, when this node wrote it (saves a read). */
      run?: RunRecord;
    }
  | { type: 'step_started'; runId: string; seq: number; stepId: string; stepName: string }
  | { type: 'step_finished'; runId: string; step: StepResultRecord };

export class RunEvents {
  readonly #emitter = new EventEmitter();

  constructor() {
    // One listener per open live-progress connection; the default warning at 10 is noise here.
    this.#emitter.setMaxListeners(0);
  }

  readonly #recentEnds = new Map<string, RunRecord>();

  publish(event: RunEvent): void {
    if (event.type === 'run_status' && event.run) {
      this.#recentEnds.set(event.runId, event.run);
      if (this.#recentEnds.size > RECENT_ENDS) {
        this.#recentEnds.delete(this.#recentEnds.keys().next().value!);
      }
    }
    this.#emitter.emit(event.runId, event);
    this.#emitter.emit('*', event);
  }

  /** The run as it ended on this node a moment ago, if it did. */
  endedRecently(runId: string): RunRecord | undefined {
    return this.#recentEnds.get(runId);
  }

  /** Events of one run (or of every run with `*`); returns the function that unsubscribes. */
  subscribe(runId: string, listener: (event: RunEvent) => void): () => void {
    this.#emitter.on(runId, listener);
    return () => this.#emitter.off(runId, listener);
  }
}
