import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';

/**
 * "At most N per minute" that holds across every node on one database: each use is a row of
 * `telegram_send_log`, and taking one happens under a transaction lock on its purpose, so two
 * nodes cannot both take the last slot.
 */
export class SendWindow {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  /** Takes one slot of `purpose` when fewer than `limit` were taken within `windowMs`; true if taken. */
  async take(purpose: string, limit: number, windowMs = 60_000): Promise<boolean> {
    return this.#pool.transaction(async (tx) => {
      await tx.query(
        sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended(${`talon.telegram.${purpose}`}, 0))`,
      );
      const used = await tx.oneFirst(sql.type(z.object({ used: z.number() }))`
        SELECT count(*)::int AS used FROM telegram_send_log
        WHERE purpose = ${purpose} AND at > now() - make_interval(secs => ${windowMs / 1000})`);
      if (used >= limit) return false;
      await tx.query(sql.unsafe`INSERT INTO telegram_send_log (purpose) VALUES (${purpose})`);
      return true;
    });
  }

  /** Slots of `purpose` left in the window now. */
  async remaining(purpose: string, limit: number, windowMs = 60_000): Promise<number> {
    const used = await this.#pool.oneFirst(sql.type(z.object({ used: z.number() }))`
      SELECT count(*)::int AS used FROM telegram_send_log
      WHERE purpose = ${purpose} AND at > now() - make_interval(secs => ${windowMs / 1000})`);
    return Math.max(0, limit - used);
  }

  /** Forgets uses older than an hour (no window is longer). */
  async prune(): Promise<void> {
    await this.#pool.query(sql.unsafe`DELETE FROM telegram_send_log WHERE at < now() - interval '1 hour'`);
  }
}
