import { sql } from 'slonik';
import type { DatabasePool } from '../db/pool.ts';
import { UPDATE_IDS_KEPT_HOURS } from './limits.ts';

/**
 * Which updates were handled. An update is recorded before it is acknowledged (polling) or
 * answered (webhook), so one that comes again — redelivered after a crash, a retried webhook, a
 * second node — is recognised and not handled twice.
 */
export class UpdateLog {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  /** True the first time an update id is seen; false for a repeat. */
  async claim(updateId: number): Promise<boolean> {
    const row = await this.#pool.maybeOne(sql.unsafe`
      INSERT INTO telegram_updates (update_id) VALUES (${updateId}) ON CONFLICT DO NOTHING RETURNING update_id`);
    if (row !== null) {
      await this.#pool.query(
        sql.unsafe`UPDATE telegram_gateway_lease SET last_update_at = now() WHERE id = 1`,
      );
    }
    return row !== null;
  }

  async prune(): Promise<void> {
    await this.#pool.query(sql.unsafe`
      DELETE FROM telegram_updates WHERE received_at < now() - make_interval(hours => ${UPDATE_IDS_KEPT_HOURS})`);
  }
}
