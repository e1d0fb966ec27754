import { EventEmitter } from 'node:events';
import type { RunStatus, StepResultRecord } from './run-repository.ts';

/** Live progress of runs executing on this node (server-sent events read it). */
export type RunEvent =
  | { type: 'run_status'; runId: string; status: RunStatus; errorCode?: string | null }
  | { type: 'step_started'; runId: string; seq: number; stepId: string; stepName: string }
  | { type: 'step_finished'; runId: string; step: StepResultRecord };

export class RunEvents {
  readonly #emitter = new EventEmitter();

  constructor() {
    // One listener per open live-progress connection; the default warning at 10 is noise here.
    this.#emitter.setMaxListeners(0);
  }

  publish(event: RunEvent): void {
    this.#emitter.emit(event.runId, event);
    this.#emitter.emit('*', event);
  }

  /** Events of one run (or of every run with `*`); returns the function that unsubscribes. */
  subscribe(runId: string, listener: (event: RunEvent) => void): () => void {
    this.#emitter.on(runId, listener);
    return () => this.#emitter.off(runId, listener);
  }
}
