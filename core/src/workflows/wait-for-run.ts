import type { RunEvents } from './run-events.ts';
import type { RunRecord, RunRepository } from './run-repository.ts';

const ENDED: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
/** A run on another node sends no local event: its row is read back this often. */
const POLL_MS = 250;

/**
 * Resolves with the run once it has ended, or as it is when `timeoutMs` runs out. Local runs end it
 * at once (their events); runs on other nodes are noticed by polling.
 */
export function waitForRunEnd(
  runs: RunRepository,
  events: RunEvents,
  runId: string,
  timeoutMs: number,
): Promise<RunRecord> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (run: RunRecord | undefined, error?: unknown): void => {
      if (settled) return;
      if (run && !ENDED.has(run.status) && !timedOut) return;
      settled = true;
      unsubscribe();
      clearInterval(poller);
      clearTimeout(timer);
      if (run) resolve(run);
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const check = (): void => {
      if (!settled) {
        runs.get(runId).then(
          (run) => settle(run),
          (error: unknown) => settle(undefined, error),
        );
      }
    };
    let timedOut = false;
    const unsubscribe = events.subscribe(runId, (event) => {
      if (event.type !== 'run_status' || !ENDED.has(event.status)) return;
      if (event.run) settle(event.run);
      else check();
    });
    const poller = setInterval(check, POLL_MS);
    const timer = setTimeout(() => {
      timedOut = true;
      check();
    }, timeoutMs);
    // A run that ends on this node is known without a read (even when it ended before this
    // subscribed); one on another node is found by polling.
    const endedHere = events.endedRecently(runId);
    if (endedHere) settle(endedHere);
  });
}
