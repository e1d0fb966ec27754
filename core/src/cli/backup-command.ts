import path from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../audit/audit-log.ts';
import { BackupService } from '../backup/backup-service.ts';
import { loadConfig } from '../config/env.ts';
import { existingSecretKeyBase } from '../crypto/existing-secret-key.ts';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { attachDatabase } from '../db/attach-database.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../logging/logger.ts';
import { SettingsStore } from '../settings/store.ts';

const HOW: Readonly<Record<string, string>> = {
  running: "the running Talon's embedded PostgreSQL",
  started: 'the embedded PostgreSQL (started for the backup, stopped after it)',
  database_url: 'DATABASE_URL',
};

/**
 * `pnpm talon backup [file]`: a backup of this installation while Talon runs (its embedded database
 * found through the data folder, or DATABASE_URL) or while it is stopped; into `file`, or the backup
 * folder (`backup.dir`, default DATA_DIR/backups). Recorded with the others (the doctor reads them).
 */
export async function backupCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw new ConfigError('Usage: pnpm talon backup [file]');
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn');
  const secretKey = existingSecretKeyBase(config);
  if (secretKey === undefined) {
    throw new ConfigError(
      `There is no SECRET_KEY_BASE (neither set nor in ${config.dataDir}): run with the environment Talon runs with`,
    );
  }
  const database = await attachDatabase(config, logger);
  try {
    const settings = await SettingsStore.load(database.pool, new SettingsCipher(secretKey.value), logger);
    const service = new BackupService({
      pool: database.pool,
      databaseUrl: database.url,
      settings,
      audit: new AuditLog(database.pool, logger),
      secretKeyBase: secretKey.value,
      dataDir: config.dataDir,
      node: config.nodeName,
      logger,
    });
    const file = positionals[0] === undefined ? undefined : path.resolve(positionals[0]);
    const record = await service.backupNow('cli', file);
    if (record.status !== 'succeeded') {
      console.error(`talon: the backup failed: ${record.error ?? 'unknown reason'}`);
      return 1;
    }
    console.warn(
      `talon: backed up ${HOW[database.how] ?? 'the database'} to ${record.file} (${record.bytes} bytes)`,
    );
    console.warn(
      'talon: the archive holds the secrets encrypted, not SECRET_KEY_BASE: keep the key apart from it',
    );
    return 0;
  } finally {
    await database.close();
  }
}
