import { createPool, sql, type DatabasePool } from 'slonik';
import { StartupError } from '../errors.ts';
import { maskUrlPassword } from '../logging/logger.ts';

export type { DatabasePool };

/** The deepest cause of an error: slonik wraps pg's, which wraps the socket's. */
function rootCauseMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (current instanceof AggregateError && current.errors[0] instanceof Error)
    return current.errors[0].message;
  return current instanceof Error ? current.message : String(current);
}

export interface PoolOptions {
  /** How long one connection attempt may take before start-up gives up. */
  connectionTimeoutMs?: number;
  maximumPoolSize?: number;
  /**
   * Whether a connection is reset (`DISCARD ALL`) when it goes back to the pool (default: yes).
   * Only for a pool whose statements never leave session state behind (no `SET` outside a
   * transaction, no LISTEN, no session advisory lock, no temporary table): without the reset the
   * plans PL/pgSQL functions cached on a connection stay, where `DISCARD ALL` made every call of
   * such a function plan its statements again (the workflow engine's pool, see `createWorkflowEngine`).
   */
  resetSession?: boolean;
}

/**
 * Creates the slonik pool and proves the database answers, so a wrong or unreachable URL stops
 * start-up with one line that says which database and why (the password masked).
 */
export async function openPool(url: string, label: string, options: PoolOptions = {}): Promise<DatabasePool> {
  const fail = (error: unknown): never => {
    throw new StartupError(
      'db_unreachable',
      `Cannot connect to the database at ${label} (${maskUrlPassword(url)}): ${rootCauseMessage(error)}`,
      { cause: error },
    );
  };
  const pool = await createPool(url, {
    connectionTimeout: options.connectionTimeoutMs ?? 5_000,
    maximumPoolSize: options.maximumPoolSize ?? 10,
    statementTimeout: 60_000,
    idleTimeout: 10_000,
    // Without a reset, a connection keeps its session as it is (the plans PL/pgSQL cached with it).
    ...(options.resetSession === false ? { resetConnection: async () => undefined } : {}),
  }).catch(fail);
  try {
    await pool.query(sql.unsafe`SELECT 1`);
  } catch (error) {
    await pool.end().catch(() => undefined);
    fail(error);
  }
  return pool;
}

/** True when the database answers a trivial query within the timeout. */
export async function isDatabaseUp(pool: DatabasePool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = pool.query(sql.unsafe`SELECT 1`).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
