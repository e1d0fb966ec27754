import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';

export type AuditOutcome = 'allowed' | 'denied' | 'succeeded' | 'failed';

export interface AuditEvent {
  /** Who: `admin`, `skill:<name>`, `telegram:<chat>`, `system`. */
  actor: string;
  /** What, as `domain.verb`: `auth.login`, `totp.verify`, `skill.load`, `skillapi.http`... */
  action: string;
  target?: string | undefined;
  outcome: AuditOutcome;
  /** Why, for denials and failures. */
  reason?: string | undefined;
  /** From where: a client address, a chat id, a workflow run. */
  source?: string | undefined;
  /** Anything else worth keeping; never a secret. */
  details?: Record<string, unknown>;
}

/** An audit entry as the table holds it (read here and by audit-search.ts). */
export const auditRow = z.object({
  id: z.number(),
  at: z.number(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['allowed', 'denied', 'succeeded', 'failed']),
  reason: z.string().nullable(),
  source: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof auditRow>;

/**
 * The audit log table. Writing never throws into the caller's path: a failed write is logged, and
 * security decisions are made before (not depending on) the write.
 */
export class AuditLog {
  readonly #pool: DatabasePool;
  readonly #logger: Logger;

  constructor(pool: DatabasePool, logger: Logger) {
    this.#pool = pool;
    this.#logger = logger;
  }

  async record(event: AuditEvent): Promise<void> {
    try {
      await this.#pool.query(sql.unsafe`
        INSERT INTO audit_log (actor, action, target, outcome, reason, source, details)
        VALUES (${event.actor}, ${event.action}, ${event.target ?? null}, ${event.outcome},
                ${event.reason ?? null}, ${event.source ?? null}, ${sql.jsonb(JSON.parse(JSON.stringify(event.details ?? {})))})`);
    } catch (error) {
      this.#logger.error(
        { action: event.action, reason: errorMessage(error) },
        'could not write the audit log',
      );
    }
  }

  /** Newest first. */
  async recent(
    options: { limit?: number; action?: string; outcome?: AuditOutcome } = {},
  ): Promise<AuditEntry[]> {
    const conditions = [sql.fragment`true`];
    if (options.action) conditions.push(sql.fragment`action = ${options.action}`);
    if (options.outcome) conditions.push(sql.fragment`outcome = ${options.outcome}`);
    const rows = await this.#pool.any(sql.type(auditRow)`
      -- id is a bigserial (int8, which slonik parses as BigInt); entries are pruned long before 2^53.
      SELECT id::float8 AS id, at, actor, action, target, outcome, reason, source, details FROM audit_log
      WHERE ${sql.join(conditions, sql.fragment` AND `)}
      ORDER BY at DESC, id DESC LIMIT ${Math.min(Math.max(options.limit ?? 50, 1), 500)}`);
    return [...rows];
  }

  /** Deletes entries older than the given number of days; returns how many went. */
  async prune(olderThanDays: number): Promise<number> {
    const result = await this.#pool.query(sql.unsafe`
      DELETE FROM audit_log WHERE at < now() - make_interval(days => ${olderThanDays})`);
    return result.rowCount;
  }
}
