import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';
import { checkTotpCode } from './totp.ts';

/** Wrong codes allowed before further codes are refused without being checked. */
export const TOTP_MAX_FAILURES = 5;
export const TOTP_FAILURE_WINDOW_SECONDS = 300;

export type TotpGuardOutcome =
  | { result: 'accepted'; timeStep: number }
  | { result: 'invalid' }
  | { result: 'replayed' }
  | { result: 'rate_limited'; retryAfterSeconds: number };

export interface TotpAttempt {
  secret: string;
  code: string;
  /** What the code is for (`totp.confirm`, `skill.load`...), kept with a failure. */
  action: string;
  source: string | undefined;
  epochSeconds: number;
}

const failuresRow = z.object({ failures: z.number(), retry_after: z.number().nullable() });
const stepRow = z.object({ last_time_step: z.number() });

/**
 * What makes a TOTP code single-use and un-guessable, persisted so a restart changes nothing:
 * the last accepted time step (a code for that step or an earlier one is a replay) and the wrong
 * codes of the last five minutes (five of them and further codes are refused unchecked).
 *
 * Each check holds one advisory lock in a transaction, so two requests carrying the same code at
 * the same moment cannot both be accepted, and parallel guesses cannot outrun the limit.
 */
export class TotpGuard {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  async check(attempt: TotpAttempt): Promise<TotpGuardOutcome> {
    return this.#pool.transaction(async (connection) => {
      await connection.query(sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended('talon.totp', 0))`);
      const recent = await connection.one(sql.type(failuresRow)`
        SELECT count(*)::int AS failures,
               ceil(extract(epoch FROM min(at) + make_interval(secs => ${TOTP_FAILURE_WINDOW_SECONDS}) - now()))::int
                 AS retry_after
        FROM totp_failures WHERE at > now() - make_interval(secs => ${TOTP_FAILURE_WINDOW_SECONDS})`);
      if (recent.failures >= TOTP_MAX_FAILURES) {
        return { result: 'rate_limited', retryAfterSeconds: Math.max(1, recent.retry_after ?? 1) } as const;
      }

      const checked = await checkTotpCode(attempt.secret, attempt.code, attempt.epochSeconds);
      const guard = await connection.maybeOne(
        sql.type(stepRow)`SELECT last_time_step FROM totp_replay_guard WHERE id = 1`,
      );
      const outcome: TotpGuardOutcome = !checked.valid
        ? { result: 'invalid' }
        : guard && checked.timeStep <= guard.last_time_step
          ? { result: 'replayed' }
          : { result: 'accepted', timeStep: checked.timeStep };

      if (outcome.result === 'accepted') {
        await connection.query(sql.unsafe`
          INSERT INTO totp_replay_guard (id, last_time_step) VALUES (1, ${outcome.timeStep})
          ON CONFLICT (id) DO UPDATE SET last_time_step = EXCLUDED.last_time_step, accepted_at = now()`);
        await connection.query(sql.unsafe`DELETE FROM totp_failures`);
      } else {
        // A replayed code counts as a failure too: someone is trying a code they have seen.
        await connection.query(sql.unsafe`
          INSERT INTO totp_failures (action, source) VALUES (${attempt.action}, ${attempt.source ?? null})`);
      }
      return outcome;
    });
  }

  /** Forgets the used time steps, when a new secret is enrolled (its steps have not been used). */
  async forgetUsedSteps(): Promise<void> {
    await this.#pool.query(sql.unsafe`DELETE FROM totp_replay_guard`);
  }
}
