import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';
import { checkTotpCode } from './totp.ts';

/** Wrong codes are counted over this window (seconds). */
export const TOTP_FAILURE_WINDOW_SECONDS = 300;

/**
 * Wrong codes allowed within the window, per scope, before further codes from that scope are
 * refused unchecked. A stolen session, one address or one chat can lock out only itself; above
 * them one global limit holds however many sessions and addresses an attacker with the password
 * opens (30 per 5 minutes: about a 0.01 % chance per window of hitting one of the ~3 valid codes).
 */
export const TOTP_FAILURE_LIMITS = { session: 5, chat: 5, address: 10, global: 30 } as const;
export type TotpScopeName = keyof typeof TOTP_FAILURE_LIMITS;

/** Where a code came from: each given part is counted on its own (all of them count globally). */
export interface TotpScope {
  /** A non-secret tag of the admin session (`sessionTag` in server/security/session-cookie.ts). */
  session?: string | undefined;
  /** The client address as counted (`addressKey`: an IPv6 one by its /64). */
  address?: string | undefined;
  /** The Telegram chat id. */
  chat?: string | undefined;
}

export type TotpGuardOutcome =
  | { result: 'accepted'; timeStep: number }
  | { result: 'invalid'; globalLimitReached: boolean }
  | { result: 'replayed'; globalLimitReached: boolean }
  | { result: 'rate_limited'; retryAfterSeconds: number; scope: TotpScopeName };

export interface TotpAttempt {
  secret: string;
  code: string;
  /** What the code is for (`totp.confirm`, `skill.load`...), kept with a failure. */
  action: string;
  /** Shown in the record of a failure (an address, a chat id). */
  source: string | undefined;
  scope?: TotpScope | undefined;
  epochSeconds: number;
}

const countsRow = z.object({
  global: z.number(),
  session: z.number(),
  chat: z.number(),
  address: z.number(),
  global_retry: z.number().nullable(),
  session_retry: z.number().nullable(),
  chat_retry: z.number().nullable(),
  address_retry: z.number().nullable(),
});
const stepRow = z.object({ last_time_step: z.number() });

/** The order limits are reported in: the global one first, since it is the one that stops everybody. */
const SCOPES: readonly TotpScopeName[] = ['global', 'session', 'chat', 'address'];

/**
 * What makes a TOTP code single-use and un-guessable, persisted so a restart changes nothing:
 * the last accepted time step (a code for that step or an earlier one is a replay) and the wrong
 * codes of the last five minutes, counted per session, chat and address and globally
 * (`TOTP_FAILURE_LIMITS`). A scope at its limit has its codes refused unchecked; the owner's right
 * code from another session, chat or address still passes until the global limit is reached. A
 * right code forgets the failures of its own session and chat only: it must not wipe the count of
 * someone guessing elsewhere.
 *
 * Each check holds one advisory lock in a transaction, so two requests carrying the same code at
 * the same moment cannot both be accepted, and parallel guesses cannot outrun the limits.
 */
export class TotpGuard {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  async check(attempt: TotpAttempt): Promise<TotpGuardOutcome> {
    return this.#pool.transaction(async (connection) => {
      await connection.query(sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended('talon.totp', 0))`);
      const scope = attempt.scope ?? {};
      const counts = await this.#counts(connection, scope);
      const limited = SCOPES.filter((name) => counts[name] >= TOTP_FAILURE_LIMITS[name]);
      if (limited.length > 0) {
        const retryAfterSeconds = Math.max(1, ...limited.map((name) => counts[`${name}_retry`] ?? 1));
        return { result: 'rate_limited', retryAfterSeconds, scope: limited[0]! } as const;
      }

      const checked = await checkTotpCode(attempt.secret, attempt.code, attempt.epochSeconds);
      const guard = await connection.maybeOne(
        sql.type(stepRow)`SELECT last_time_step FROM totp_replay_guard WHERE id = 1`,
      );
      if (checked.valid && !(guard && checked.timeStep <= guard.last_time_step)) {
        await connection.query(sql.unsafe`
          INSERT INTO totp_replay_guard (id, last_time_step) VALUES (1, ${checked.timeStep})
          ON CONFLICT (id) DO UPDATE SET last_time_step = EXCLUDED.last_time_step, accepted_at = now()`);
        await connection.query(sql.unsafe`
          DELETE FROM totp_failures
          WHERE session_tag = ${scope.session ?? null} OR chat = ${scope.chat ?? null}`);
        return { result: 'accepted', timeStep: checked.timeStep } as const;
      }
      // A replayed code counts as a failure too: someone is trying a code they have seen.
      await connection.query(sql.unsafe`
        INSERT INTO totp_failures (action, source, session_tag, address_key, chat)
        VALUES (${attempt.action}, ${attempt.source ?? null}, ${scope.session ?? null},
                ${scope.address ?? null}, ${scope.chat ?? null})`);
      const globalLimitReached = counts.global + 1 === TOTP_FAILURE_LIMITS.global;
      return { result: checked.valid ? 'replayed' : 'invalid', globalLimitReached } as const;
    });
  }

  /** The wrong codes inside the window, globally and for each part of `scope`, with when each scope's oldest expires. */
  #counts(connection: DatabaseTransactionConnection, scope: TotpScope): Promise<z.infer<typeof countsRow>> {
    const expires = (condition: ReturnType<typeof sql.fragment>) => sql.fragment`
      ceil(extract(epoch FROM min(at) FILTER (WHERE ${condition})
        + make_interval(secs => ${TOTP_FAILURE_WINDOW_SECONDS}) - now()))::int`;
    const session = sql.fragment`session_tag = ${scope.session ?? null}`;
    const chat = sql.fragment`chat = ${scope.chat ?? null}`;
    const address = sql.fragment`address_key = ${scope.address ?? null}`;
    return connection.one(sql.type(countsRow)`
      SELECT count(*)::int AS global,
             (count(*) FILTER (WHERE ${session}))::int AS session,
             (count(*) FILTER (WHERE ${chat}))::int AS chat,
             (count(*) FILTER (WHERE ${address}))::int AS address,
             ${expires(sql.fragment`true`)} AS global_retry,
             ${expires(session)} AS session_retry,
             ${expires(chat)} AS chat_retry,
             ${expires(address)} AS address_retry
      FROM totp_failures WHERE at > now() - make_interval(secs => ${TOTP_FAILURE_WINDOW_SECONDS})`);
  }

  /** Forgets the used time steps, when a new secret is enrolled (its steps have not been used). */
  async forgetUsedSteps(): Promise<void> {
    await this.#pool.query(sql.unsafe`DELETE FROM totp_replay_guard`);
  }
}
