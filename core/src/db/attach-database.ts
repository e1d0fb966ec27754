import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TalonConfig } from '../config/env.ts';
import { StartupError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { openPool, type DatabasePool } from './pool.ts';

export interface AttachedDatabase {
  url: string;
  pool: DatabasePool;
  /** How it was reached: DATABASE_URL, a running Talon's embedded server, or one started for this command. */
  how: 'database_url' | 'running' | 'started';
  embedded: boolean;
  close(): Promise<void>;
}

/** The embedded cluster of a data folder. */
export function embeddedClusterDir(config: TalonConfig): string {
  return path.join(config.dataDir, 'postgres');
}

/**
 * The port of the embedded PostgreSQL running on this cluster, from its `postmaster.pid` (line 4),
 * when the process named there (line 1) is alive; undefined when it is not running.
 */
export function runningEmbeddedPort(clusterDir: string): number | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, owned by another user (PostgreSQL runs as `postgres` when Talon is root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return port;
}

/**
 * The database of a Talon installation for a command run beside it (`talon doctor`, `talon backup`):
 * DATABASE_URL when set; otherwise the embedded server of the data folder — the running one, found
 * through its `postmaster.pid` while Talon runs, or started for the command and stopped after it.
 * Never migrates: it reads the installation as it is.
 */
export async function attachDatabase(config: TalonConfig, logger: Logger): Promise<AttachedDatabase> {
  if (config.databaseUrl !== undefined) {
    const pool = await openPool(config.databaseUrl, 'DATABASE_URL', { maximumPoolSize: 4 });
    return { url: config.databaseUrl, pool, how: 'database_url', embedded: false, close: () => pool.end() };
  }
  const clusterDir = embeddedClusterDir(config);
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    throw new StartupError(
      'no_installation',
      `There is no Talon database in ${clusterDir}: start Talon once with DATA_DIR=${config.dataDir}, or set DATABASE_URL`,
    );
  }
  const port = runningEmbeddedPort(clusterDir);
  if (port !== undefined) {
    const password = readFileSync(`${clusterDir}.password`, 'utf8').trim();
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/talon`;
    const pool = await openPool(url, 'the embedded PostgreSQL of the running Talon', { maximumPoolSize: 4 });
    return { url, pool, how: 'running', embedded: true, close: () => pool.end() };
  }
  const embedded = await startEmbeddedPostgres({ clusterDir, logger });
  try {
    const pool = await openPool(embedded.url, 'the embedded PostgreSQL', { maximumPoolSize: 4 });
    return {
      url: embedded.url,
      pool,
      how: 'started',
      embedded: true,
      close: async () => {
        await pool.end().catch(() => undefined);
        await embedded.stop();
      },
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
