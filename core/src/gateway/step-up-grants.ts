import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import type { DatabasePool } from '../db/pool.ts';
import { hashAction } from './challenges.ts';

/** The challenge kind of an admin step-up approved from Telegram. */
export const ADMIN_STEP_UP_KIND = 'admin.step_up';

/** What an admin step-up is bound to: the step-up action and its target (a setting, a skill). */
export function stepUpHash(action: string, target: string | undefined): string {
  return hashAction({ kind: ADMIN_STEP_UP_KIND, args: { action, target: target ?? null } });
}

/**
 * Admin step-ups approved with a code sent from Telegram: each approves one action on one target,
 * once, within a short time. Stored in PostgreSQL, so the admin may be served by another node.
 */
export class StepUpGrants {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  async grant(action: string, target: string | undefined, ttlSeconds: number): Promise<void> {
    await this.#pool.query(sql.unsafe`
      INSERT INTO telegram_step_up_grants (id, action, target, action_hash, expires_at)
      VALUES (${randomUUID()}, ${action}, ${target ?? null}, ${stepUpHash(action, target)},
              now() + make_interval(secs => ${ttlSeconds}))`);
  }

  /** Uses up one unexpired grant for exactly this action and target; true when there was one. */
  async consume(action: string, target: string | undefined): Promise<boolean> {
    const row = await this.#pool.maybeOne(sql.unsafe`
      UPDATE telegram_step_up_grants SET used_at = now()
      WHERE id = (
        SELECT id FROM telegram_step_up_grants
        WHERE action_hash = ${stepUpHash(action, target)} AND used_at IS NULL AND expires_at > now()
        ORDER BY granted_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id`);
    return row !== null;
  }

  async prune(): Promise<void> {
    await this.#pool.query(
      sql.unsafe`DELETE FROM telegram_step_up_grants WHERE expires_at < now() - interval '1 hour'`,
    );
  }
}
