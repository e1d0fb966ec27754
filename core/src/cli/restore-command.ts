import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BackupError } from '../backup/backup-errors.ts';
import { isEmptyDatabase } from '../backup/database-catalog.ts';
import {
  checkSkillsFolderEmpty,
  restoreInto,
  verifyRestorable,
  type RestoreSummary,
} from '../backup/restore.ts';
import { loadConfig, type TalonConfig } from '../config/env.ts';
import { GENERATED_KEY_FILE } from '../crypto/secret-key-base.ts';
import { embeddedClusterDir } from '../db/attach-database.ts';
import { startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { ConfigError } from '../errors.ts';
import { createLogger, maskUrlPassword, type Logger } from '../logging/logger.ts';

function readKey(config: TalonConfig, keyFile: string | undefined): { value: string; fromFile: boolean } {
  if (keyFile !== undefined) {
    let value: string;
    try {
      value = readFileSync(keyFile, 'utf8').trim();
    } catch {
      throw new ConfigError(`Cannot read the key file ${keyFile}`);
    }
    if (value === '') throw new ConfigError(`The key file ${keyFile} is empty`);
    return { value, fromFile: true };
  }
  if (config.secretKeyBase !== undefined) return { value: config.secretKeyBase, fromFile: false };
  throw new ConfigError(
    'Restore needs the key the backed-up Talon ran with: set SECRET_KEY_BASE, or pass --key-file <file>',
  );
}

async function intoDatabaseUrl(
  url: string,
  run: (databaseUrl: string) => Promise<RestoreSummary>,
): Promise<RestoreSummary> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (!(await isEmptyDatabase(client))) {
      throw new BackupError(
        'target_not_empty',
        `The database at DATABASE_URL (${maskUrlPassword(url)}) is not empty: restore into an empty database; nothing was restored`,
      );
    }
  } finally {
    await client.end();
  }
  return run(url);
}

async function intoDataFolder(
  config: TalonConfig,
  logger: Logger,
  run: (databaseUrl: string) => Promise<RestoreSummary>,
): Promise<RestoreSummary> {
  const clusterDir = embeddedClusterDir(config);
  if (existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    throw new BackupError(
      'target_not_empty',
      `${config.dataDir} already holds a Talon database: restore into a new data folder (DATA_DIR); nothing was restored`,
    );
  }
  const embedded = await startEmbeddedPostgres({ clusterDir, logger });
  try {
    return await run(embedded.url);
  } finally {
    await embedded.stop();
  }
}

/**
 * `pnpm talon restore <file> [--key-file <file>]`: into an empty data folder (a new embedded
 * PostgreSQL there) or the empty database of DATABASE_URL, with SECRET_KEY_BASE or the key file.
 * The archive and the key are checked before anything is written.
 */
export async function restoreCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { 'key-file': { type: 'string' } },
  });
  if (positionals.length !== 1) throw new ConfigError('Usage: pnpm talon restore <file> [--key-file <file>]');
  const file = path.resolve(positionals[0]!);
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn');
  const key = readKey(config, values['key-file']);
  const keyFile = path.join(config.dataDir, GENERATED_KEY_FILE);
  const writeKeyFile = key.fromFile && config.databaseUrl === undefined && config.secretKeyBase === undefined;
  if (writeKeyFile && existsSync(keyFile) && readFileSync(keyFile, 'utf8').trim() !== key.value) {
    throw new BackupError(
      'target_not_empty',
      `${keyFile} already holds another key: restore into a new data folder; nothing was restored`,
    );
  }

  const manifest = await verifyRestorable(file, key.value);
  await checkSkillsFolderEmpty(config.skillsDir);
  const run = (databaseUrl: string): Promise<RestoreSummary> =>
    restoreInto({ file, manifest, databaseUrl, skillsDir: config.skillsDir, logger });
  const summary =
    config.databaseUrl !== undefined
      ? await intoDatabaseUrl(config.databaseUrl, run)
      : await intoDataFolder(config, logger, run);
  if (writeKeyFile) writeFileSync(keyFile, key.value + '\n', { mode: 0o600 });

  console.warn(
    `talon: restored ${summary.tables} tables (${summary.rows} rows) and ${summary.skills.length} approved skill(s) ` +
      `from a backup of ${manifest.createdAt} (node ${manifest.node}, Talon ${manifest.talonVersion})`,
  );
  if (summary.runsMarkedFailed > 0) {
    console.warn(
      `talon: ${summary.runsMarkedFailed} run(s) in flight at the backup are marked failed (restored)`,
    );
  }
  console.warn(
    writeKeyFile
      ? `talon: the key is in ${keyFile}; start Talon with DATA_DIR=${config.dataDir}`
      : 'talon: start Talon with the same SECRET_KEY_BASE',
  );
  return 0;
}
