import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';
import type { SettingsStore } from '../settings/store.ts';

export interface LoginBudgetLimits {
  /** Failed logins from all addresses together before every attempt is slowed down. */
  maxFailures: number;
  windowSeconds: number;
}

/** Read at every attempt, so a changed setting applies to the next request without a restart. */
export function currentLoginBudgetLimits(settings: SettingsStore): LoginBudgetLimits {
  return {
    maxFailures: Math.max(1, settings.getInteger('auth.rate_limit.global_max_failures', 50)),
    windowSeconds: Math.max(1, settings.getInteger('auth.rate_limit.global_window_seconds', 900)),
  };
}

/** The pause before the first attempt past the budget (milliseconds); each further one doubles it. */
export const FIRST_PAUSE_MS = 1_000;
/**
 * The longest pause (milliseconds), and the longest any attempt is held: an attempt that would have
 * to wait longer is refused at once with the time to come back, never queued behind a flood. So the
 * owner waits at most this long for a free turn, and is never locked out for good.
 */
export const MAX_PAUSE_MS = 30_000;

/** The pause before an attempt when `excess` failures already lie past the budget (0 for the first). */
export function pauseFor(excess: number): number {
  return Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** Math.min(excess, 30));
}

export type Admission =
  { admitted: true; ticket: string; waitMs: number } | { admitted: false; retryAfterSeconds: number };

export interface FailureCount {
  failures: number;
  limits: LoginBudgetLimits;
  /** This failure used up the budget (once per exhaustion, until failures fall below it again). */
  exhaustedNow: boolean;
}

const stateRow = z.object({
  failures: z.number(),
  next_slot_ms: z.number().nullable(),
  exhausted: z.boolean(),
});
const idRow = z.object({ id: z.string() });

/**
 * The global failed-login budget, shared by every address and every node (PostgreSQL). Within the
 * budget logins are not slowed at all. Past it, attempts take turns: each is checked only at its
 * turn, and turns lie a growing pause apart (1 s, doubling, at most 30 s), so a thousand addresses
 * guessing in parallel get no more turns than one. Whoever would have to wait longer than the
 * longest pause is refused with the time to come back instead of being queued.
 *
 * The password check stays one constant-time HMAC comparison: a slow hash per attempt would let
 * anyone load the CPU, and the pause costs the server nothing.
 */
export class LoginBudget {
  readonly #pool: DatabasePool;
  readonly #settings: SettingsStore;
  readonly #now: () => number;

  constructor(options: { pool: DatabasePool; settings: SettingsStore; now?: () => number }) {
    this.#pool = options.pool;
    this.#settings = options.settings;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Takes a turn for one attempt, counted as a failure until `forgive` says otherwise. The caller
   * waits `waitMs` before checking the password, outside any transaction.
   */
  async admit(): Promise<Admission> {
    const limits = currentLoginBudgetLimits(this.#settings);
    const now = this.#now();
    return this.#pool.transaction(async (connection) => {
      await connection.query(
        sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended('talon.login.budget', 0))`,
      );
      const state = await this.#state(connection, now, limits);
      let waitMs = 0;
      if (state.failures < limits.maxFailures) {
        if (state.exhausted) {
          await connection.query(
            sql.unsafe`UPDATE login_budget SET exhausted_at = NULL, next_slot_at = NULL`,
          );
        }
      } else {
        const turnAt =
          Math.max(now, state.next_slot_ms ?? now) + pauseFor(state.failures - limits.maxFailures);
        waitMs = turnAt - now;
        if (waitMs > MAX_PAUSE_MS) {
          const free = (state.next_slot_ms ?? now) - now;
          return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(free / 1000)) } as const;
        }
        await connection.query(
          sql.unsafe`UPDATE login_budget SET next_slot_at = to_timestamp(${turnAt / 1000})`,
        );
      }
      const ticket = await connection.oneFirst(sql.type(idRow)`
        INSERT INTO login_budget_attempts (at) VALUES (to_timestamp(${now / 1000})) RETURNING id::text AS id`);
      return { admitted: true, ticket, waitMs } as const;
    });
  }

  /** The attempt was not a wrong password (it was right, or never checked): it no longer counts. */
  async forgive(ticket: string): Promise<void> {
    await this.#pool.query(sql.unsafe`DELETE FROM login_budget_attempts WHERE id = ${ticket}::bigint`);
  }

  /** The attempt was a wrong password: it keeps counting; says whether it used up the budget. */
  async countFailure(): Promise<FailureCount> {
    const limits = currentLoginBudgetLimits(this.#settings);
    const now = this.#now();
    return this.#pool.transaction(async (connection) => {
      await connection.query(
        sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended('talon.login.budget', 0))`,
      );
      const state = await this.#state(connection, now, limits);
      const exhaustedNow = state.failures >= limits.maxFailures && !state.exhausted;
      if (exhaustedNow) {
        await connection.query(
          sql.unsafe`UPDATE login_budget SET exhausted_at = to_timestamp(${now / 1000})`,
        );
      }
      return { failures: state.failures, limits, exhaustedNow };
    });
  }

  async #state(
    connection: DatabaseTransactionConnection,
    now: number,
    limits: LoginBudgetLimits,
  ): Promise<z.infer<typeof stateRow>> {
    return connection.one(sql.type(stateRow)`
      SELECT (SELECT count(*)::int FROM login_budget_attempts
              WHERE at > to_timestamp(${now / 1000}) - make_interval(secs => ${limits.windowSeconds})) AS failures,
             (extract(epoch FROM next_slot_at) * 1000)::float8 AS next_slot_ms,
             exhausted_at IS NOT NULL AS exhausted
      FROM login_budget WHERE id = 1`);
  }
}
