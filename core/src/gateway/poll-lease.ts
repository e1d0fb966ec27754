import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';

export interface LeaseTimings {
  /** How often the holder renews (milliseconds). */
  renewMs: number;
  /** How long after the last renewal the lease lapses (milliseconds). */
  expiryMs: number;
}

const leaseRow = z.object({
  holder: z.string().nullable(),
  expires_at: z.number().nullable(),
  next_offset: z.number(),
  last_update_at: z.number().nullable(),
  live: z.boolean(),
});

export interface LeaseState {
  /** The node that holds the lease now; undefined when nobody does (or it lapsed). */
  holder: string | undefined;
  /** The first update_id not yet acknowledged. */
  nextOffset: number;
  lastUpdateAt: Date | undefined;
}

/**
 * The one row that says which node talks to Telegram. Times are the database's own (`now()`), so
 * nodes with skewed clocks agree on who holds it. Acquire and renew are one conditional UPDATE each.
 */
export class PollLease {
  readonly #pool: DatabasePool;
  readonly #node: string;
  readonly timings: LeaseTimings;

  constructor(pool: DatabasePool, node: string, timings: LeaseTimings) {
    this.#pool = pool;
    this.#node = node;
    this.timings = timings;
  }

  get node(): string {
    return this.#node;
  }

  /** Takes the lease if nobody holds it, it lapsed, or this node already holds it. True when held. */
  async acquire(): Promise<boolean> {
    const row = await this.#pool.maybeOne(sql.unsafe`
      UPDATE telegram_gateway_lease
      SET holder = ${this.#node}, expires_at = now() + make_interval(secs => ${this.timings.expiryMs / 1000})
      WHERE id = 1 AND (holder IS NULL OR holder = ${this.#node} OR expires_at < now())
      RETURNING holder`);
    return row !== null;
  }

  /** Extends the lease; false when this node no longer holds it (it lapsed and another took it). */
  async renew(): Promise<boolean> {
    const row = await this.#pool.maybeOne(sql.unsafe`
      UPDATE telegram_gateway_lease
      SET expires_at = now() + make_interval(secs => ${this.timings.expiryMs / 1000})
      WHERE id = 1 AND holder = ${this.#node} AND expires_at >= now()
      RETURNING holder`);
    return row !== null;
  }

  /** Gives the lease up at once (a clean stop), so another node need not wait for the expiry. */
  async release(): Promise<void> {
    await this.#pool.query(sql.unsafe`
      UPDATE telegram_gateway_lease SET holder = NULL, expires_at = NULL WHERE id = 1 AND holder = ${this.#node}`);
  }

  async state(): Promise<LeaseState> {
    const row = await this.#pool.one(sql.type(leaseRow)`
      SELECT holder, expires_at, next_offset::float8 AS next_offset, last_update_at, (expires_at IS NOT NULL AND expires_at >= now()) AS live
      FROM telegram_gateway_lease WHERE id = 1`);
    return {
      holder: row.live && row.holder !== null ? row.holder : undefined,
      nextOffset: row.next_offset,
      lastUpdateAt: row.last_update_at === null ? undefined : new Date(row.last_update_at),
    };
  }

  /** Acknowledges updates up to `nextOffset - 1`, only while this node holds the lease. */
  async advanceOffset(nextOffset: number): Promise<boolean> {
    const row = await this.#pool.maybeOne(sql.unsafe`
      UPDATE telegram_gateway_lease SET next_offset = GREATEST(next_offset, ${nextOffset})
      WHERE id = 1 AND holder = ${this.#node} AND expires_at >= now()
      RETURNING holder`);
    return row !== null;
  }
}
