/**
 * `X-GitHub-Delivery` ids seen in the last 7 days, in PostgreSQL (every node sees the same): a
 * delivery GitHub (or anyone who captured it) sends again is acknowledged and ignored.
 */
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';

/** How long a delivery id is remembered. */
export const DELIVERY_MEMORY_DAYS = 7;

export class GithubDeliveries {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  /** True the first time `id` is seen (within the memory); false for a replay. */
  async firstTime(id: string, event: string): Promise<boolean> {
    await this.#pool.query(sql.unsafe`
      DELETE FROM github_deliveries WHERE received_at < now() - make_interval(days => ${DELIVERY_MEMORY_DAYS})`);
    const inserted = await this.#pool.maybeOneFirst(sql.type(z.object({ delivery_id: z.string() }))`
      INSERT INTO github_deliveries (delivery_id, event) VALUES (${id}, ${event})
      ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id`);
    return inserted !== null;
  }
}
