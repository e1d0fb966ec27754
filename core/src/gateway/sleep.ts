import type { Api } from 'grammy';

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** grammY's Node build types its signals with the `abort-controller` package; Node's own is the same thing at run time. */
export type GrammySignal = Parameters<Api['getUpdates']>[1];
export const grammySignal = (signal: AbortSignal): GrammySignal => signal as unknown as GrammySignal;
