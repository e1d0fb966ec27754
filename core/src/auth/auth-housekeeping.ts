import { sql } from 'slonik';
import type { DatabasePool } from '../db/pool.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { currentLoginBudgetLimits } from './login-budget.ts';
import { currentLoginLimits } from './login-rate-limiter.ts';
import { TOTP_FAILURE_WINDOW_SECONDS } from './totp-guard.ts';

/** Ended or expired sessions are kept this long (who logged in when, from where), then deleted. */
export const SESSION_RETENTION_DAYS = 30;
export const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Deletes what can no longer matter: login failures older than their window (an address that never
 * comes back would otherwise keep its rows forever, and many addresses could grow the table),
 * expired blocks, old wrong TOTP codes, and sessions ended long ago. Returns how many rows went.
 */
export async function pruneAuthTables(pool: DatabasePool, settings: SettingsStore): Promise<number> {
  const { windowSeconds } = currentLoginLimits(settings);
  const budget = currentLoginBudgetLimits(settings);
  let deleted = 0;
  const statements = [
    sql.unsafe`DELETE FROM login_failures WHERE at <= now() - make_interval(secs => ${windowSeconds})`,
    sql.unsafe`
      DELETE FROM login_budget_attempts WHERE at <= now() - make_interval(secs => ${budget.windowSeconds})`,
    sql.unsafe`DELETE FROM login_blocks WHERE blocked_until <= now()`,
    sql.unsafe`DELETE FROM totp_failures WHERE at <= now() - make_interval(secs => ${TOTP_FAILURE_WINDOW_SECONDS})`,
    sql.unsafe`
      DELETE FROM admin_sessions
      WHERE coalesce(ended_at, last_seen_at) < now() - make_interval(days => ${SESSION_RETENTION_DAYS})`,
  ];
  for (const statement of statements) deleted += (await pool.query(statement)).rowCount;
  return deleted;
}

/** Runs `pruneAuthTables` now and then; the returned function stops it. Failures are logged, never thrown. */
export function startAuthHousekeeping(
  pool: DatabasePool,
  settings: SettingsStore,
  logger: Logger,
): () => void {
  const timer = setInterval(() => {
    pruneAuthTables(pool, settings).catch((error: unknown) =>
      logger.warn({ reason: errorMessage(error) }, 'auth housekeeping failed'),
    );
  }, HOUSEKEEPING_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
