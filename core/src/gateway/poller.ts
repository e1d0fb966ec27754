import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { PollLease } from './poll-lease.ts';
import { grammySignal } from './sleep.ts';
import type { UpdateLog } from './update-log.ts';

export interface PollerOptions {
  api: Api;
  lease: PollLease;
  updates: UpdateLog;
  /** Seconds Telegram holds a `getUpdates` open. */
  timeoutSeconds: number;
  handle(update: Update): Promise<void>;
  /** Aborted when the lease is lost or the gateway stops: the poll in flight is cancelled at once. */
  signal: AbortSignal;
}

/**
 * Long polling, while this node holds the lease. Each update's id is recorded before the next
 * `getUpdates` acknowledges it (its offset moves past it), so an update handled here is never
 * handled again by this node or the next holder. Returns when aborted; throws a failed call so the
 * caller can back off.
 */
export async function pollWhileLeader(options: PollerOptions): Promise<void> {
  const { api, lease, updates, signal } = options;
  while (!signal.aborted) {
    const { nextOffset } = await lease.state();
    const batch = await api.getUpdates(
      { offset: nextOffset, timeout: options.timeoutSeconds, allowed_updates: [] },
      grammySignal(signal),
    );
    for (const update of batch) {
      if (signal.aborted) return;
      if (await updates.claim(update.update_id)) await options.handle(update);
      // The lease may have gone while handling: then the next holder acknowledges instead.
      if (!(await lease.advanceOffset(update.update_id + 1))) return;
    }
  }
}
