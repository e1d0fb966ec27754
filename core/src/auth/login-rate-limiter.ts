import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';
import type { SettingsStore } from '../settings/store.ts';

export interface LoginLimits {
  maxAttempts: number;
  windowSeconds: number;
  blockSeconds: number;
}

/** Read at every attempt, so a changed setting applies to the next request without a restart. */
export function currentLoginLimits(settings: SettingsStore): LoginLimits {
  return {
    maxAttempts: Math.max(1, settings.getInteger('auth.rate_limit.max_attempts', 5)),
    windowSeconds: Math.max(1, settings.getInteger('auth.rate_limit.window_seconds', 300)),
    blockSeconds: Math.max(1, settings.getInteger('auth.rate_limit.block_duration_seconds', 900)),
  };
}

export type LoginGate =
  { blocked: false } | { blocked: true; retryAfterSeconds: number; blockStartedNow: boolean };

export interface FailureOutcome {
  failuresInWindow: number;
  /** Set when this failure reached the limit and started a block. */
  blockedForSeconds: number | undefined;
}

const remainingRow = z.object({ remaining: z.number() });
const countRow = z.object({ failures: z.number() });

/**
 * Failed logins per client address (an IPv6 address counts by its /64: see address-key.ts), kept in PostgreSQL so restarting Talon does not reset an
 * attacker's count or lift a block. A sliding window: failures older than
 * `auth.rate_limit.window_seconds` no longer count (AlexClaw seeds that setting but never reads it).
 *
 * Every attempt runs inside `withAddressLock`, a transaction holding an advisory lock on the
 * address, so parallel guesses from one address are counted one after another, never lost in a race.
 */
export class LoginRateLimiter {
  readonly #pool: DatabasePool;
  readonly #settings: SettingsStore;

  constructor(pool: DatabasePool, settings: SettingsStore) {
    this.#pool = pool;
    this.#settings = settings;
  }

  /**
   * Seconds the address (its counting key) stays blocked, or undefined: a cheap look before the
   * attempt takes a turn of the global budget, so a blocked address cannot use up the turns.
   */
  async blockedFor(address: string): Promise<number | undefined> {
    const block = await this.#pool.maybeOne(sql.type(remainingRow)`
      SELECT ceil(extract(epoch FROM blocked_until - now()))::int AS remaining
      FROM login_blocks WHERE address = ${address}`);
    return block && block.remaining > 0 ? block.remaining : undefined;
  }

  async withAddressLock<T>(address: string, work: (attempt: LoginAttempt) => Promise<T>): Promise<T> {
    return this.#pool.transaction(async (connection) => {
      await connection.query(
        sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended(${'talon.login:' + address}, 0))`,
      );
      return work(new LoginAttempt(connection, address, currentLoginLimits(this.#settings)));
    });
  }
}

/** One login attempt from one address, inside the address's lock. */
export class LoginAttempt {
  readonly #connection: DatabaseTransactionConnection;
  readonly address: string;
  readonly limits: LoginLimits;

  constructor(connection: DatabaseTransactionConnection, address: string, limits: LoginLimits) {
    this.#connection = connection;
    this.address = address;
    this.limits = limits;
  }

  /**
   * Checked before the password (so a blocked address is refused even with the right one). An
   * expired block is lifted; failures that already reach the limit (say, after the limit was
   * lowered) start a block now.
   */
  async gate(): Promise<LoginGate> {
    const block = await this.#connection.maybeOne(sql.type(remainingRow)`
      SELECT ceil(extract(epoch FROM blocked_until - now()))::int AS remaining
      FROM login_blocks WHERE address = ${this.address}`);
    if (block && block.remaining > 0) {
      return { blocked: true, retryAfterSeconds: block.remaining, blockStartedNow: false };
    }
    if (block)
      await this.#connection.query(sql.unsafe`DELETE FROM login_blocks WHERE address = ${this.address}`);
    if ((await this.#failuresInWindow()) >= this.limits.maxAttempts) {
      await this.#startBlock();
      return { blocked: true, retryAfterSeconds: this.limits.blockSeconds, blockStartedNow: true };
    }
    return { blocked: false };
  }

  /** A wrong password: counted; the failure that reaches the limit starts the block. */
  async recordFailure(): Promise<FailureOutcome> {
    await this.#connection.query(sql.unsafe`
      DELETE FROM login_failures
      WHERE address = ${this.address} AND at <= now() - make_interval(secs => ${this.limits.windowSeconds})`);
    await this.#connection.query(sql.unsafe`INSERT INTO login_failures (address) VALUES (${this.address})`);
    const failuresInWindow = await this.#failuresInWindow();
    if (failuresInWindow < this.limits.maxAttempts) return { failuresInWindow, blockedForSeconds: undefined };
    await this.#startBlock();
    return { failuresInWindow, blockedForSeconds: this.limits.blockSeconds };
  }

  /** A successful login forgets the address's failures. */
  async recordSuccess(): Promise<void> {
    await this.#connection.query(sql.unsafe`DELETE FROM login_failures WHERE address = ${this.address}`);
    await this.#connection.query(sql.unsafe`DELETE FROM login_blocks WHERE address = ${this.address}`);
  }

  async #failuresInWindow(): Promise<number> {
    const row = await this.#connection.one(sql.type(countRow)`
      SELECT count(*)::int AS failures FROM login_failures
      WHERE address = ${this.address} AND at > now() - make_interval(secs => ${this.limits.windowSeconds})`);
    return row.failures;
  }

  async #startBlock(): Promise<void> {
    await this.#connection.query(sql.unsafe`
      INSERT INTO login_blocks (address, blocked_until)
      VALUES (${this.address}, now() + make_interval(secs => ${this.limits.blockSeconds}))
      ON CONFLICT (address) DO UPDATE SET blocked_at = now(), blocked_until = EXCLUDED.blocked_until`);
    // The block replaces the count: once it expires the address starts from zero, as in AlexClaw.
    await this.#connection.query(sql.unsafe`DELETE FROM login_failures WHERE address = ${this.address}`);
  }
}
