import { sql } from 'slonik';
import { z } from 'zod';
import type { Announcement, AnnouncementKind } from '../announcements/announcements.ts';
import type { DatabasePool } from '../db/pool.ts';
import type { SettingsStore } from '../settings/store.ts';
import {
  ANNOUNCEMENT_MAX_AGE_HOURS,
  ANNOUNCEMENT_REPEAT_WINDOW_MS,
  ANNOUNCEMENTS_PER_MINUTE,
} from './limits.ts';
import type { SendWindow } from './send-window.ts';

/** The send-window purpose of announcements: one budget for every node. */
export const ANNOUNCEMENTS_PURPOSE = 'announcements';

export function announcementSwitch(kind: AnnouncementKind | string): string {
  return `telegram.announce.${kind}`;
}

const groupRow = z.object({
  kind: z.string(),
  key: z.string(),
  ids: z.array(z.number()),
  count: z.number(),
  first_at: z.number(),
  latest_text: z.string(),
  last_delivered_at: z.number().nullable(),
});

export interface DeliveryTimings {
  /** Repeats of one kind and key within this of the last delivered one wait and become one summary. */
  repeatWindowMs: number;
  perMinute: number;
}

function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes >= 1 ? `${minutes} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}

/**
 * Announcements on their way to the owner's chat. Any node writes them here (when that kind is
 * switched on); the node holding the gateway lease delivers them: at most `perMinute` messages a
 * minute across all nodes, and repeats of one kind and key coalesced into one summary
 * ("… — 14 times in 10 min") so a flapping skill cannot flood the chat.
 */
export class AnnouncementOutbox {
  readonly #pool: DatabasePool;
  readonly #settings: SettingsStore;
  readonly #window: SendWindow;
  readonly #timings: DeliveryTimings;

  constructor(
    pool: DatabasePool,
    settings: SettingsStore,
    window: SendWindow,
    timings: Partial<DeliveryTimings> = {},
  ) {
    this.#pool = pool;
    this.#settings = settings;
    this.#window = window;
    this.#timings = {
      repeatWindowMs: ANNOUNCEMENT_REPEAT_WINDOW_MS,
      perMinute: ANNOUNCEMENTS_PER_MINUTE,
      ...timings,
    };
  }

  isSwitchedOn(kind: string): boolean {
    return this.#settings.getBoolean(announcementSwitch(kind), true);
  }

  /** Queues one announcement unless its kind is switched off; true when queued. */
  async add(announcement: Announcement): Promise<boolean> {
    if (!this.isSwitchedOn(announcement.kind)) return false;
    await this.#pool.query(sql.unsafe`
      INSERT INTO telegram_announcements (kind, key, text)
      VALUES (${announcement.kind}, ${announcement.key ?? announcement.kind}, ${announcement.text})`);
    return true;
  }

  /**
   * Delivers what is due with `send`; answers how many messages went. A group whose kind and key
   * was delivered within the repeat window waits; one that does not fit this minute's budget waits
   * too (and gathers more repeats meanwhile). A failed send leaves its group for the next round.
   */
  async deliverDue(send: (text: string) => Promise<void>, now: Date = new Date()): Promise<number> {
    await this.#pool.query(sql.unsafe`
      DELETE FROM telegram_announcements
      WHERE at < now() - make_interval(hours => ${ANNOUNCEMENT_MAX_AGE_HOURS})`);
    const groups = await this.#pool.any(sql.type(groupRow)`
      SELECT p.kind, p.key, array_agg(p.id::float8 ORDER BY p.id) AS ids, count(*)::int AS count, min(p.at) AS first_at,
             (array_agg(p.text ORDER BY p.id DESC))[1] AS latest_text,
             (SELECT max(d.delivered_at) FROM telegram_announcements d
               WHERE d.kind = p.kind AND d.key = p.key AND d.delivered_at IS NOT NULL) AS last_delivered_at
      FROM telegram_announcements p WHERE p.delivered_at IS NULL
      GROUP BY p.kind, p.key ORDER BY min(p.at)`);
    let sent = 0;
    for (const group of groups) {
      if (!this.isSwitchedOn(group.kind)) {
        await this.#markDelivered(group.ids);
        continue;
      }
      const lastDelivered = group.last_delivered_at;
      if (lastDelivered !== null && now.getTime() - lastDelivered < this.#timings.repeatWindowMs) continue;
      if (!(await this.#window.take(ANNOUNCEMENTS_PURPOSE, this.#timings.perMinute))) break;
      const text =
        group.count === 1
          ? group.latest_text
          : `${group.latest_text}\n(${group.count} times in ${describeSpan(now.getTime() - group.first_at)})`;
      await send(text);
      await this.#markDelivered(group.ids);
      sent += 1;
    }
    return sent;
  }

  async #markDelivered(ids: readonly number[]): Promise<void> {
    await this.#pool.query(sql.unsafe`
      UPDATE telegram_announcements SET delivered_at = now() WHERE id = ANY(${sql.array([...ids], 'int8')})`);
  }

  async prune(): Promise<void> {
    await this.#pool.query(sql.unsafe`
      DELETE FROM telegram_announcements WHERE delivered_at < now() - make_interval(hours => ${ANNOUNCEMENT_MAX_AGE_HOURS})`);
  }
}
