import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { getConstructionPlans } from 'pg-boss';
import { skillChecksum } from '@talon/skill-runtime/contract/checksum.ts';
import { migrateUp } from '../db/migrate.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { PGBOSS_SCHEMA } from '../scheduler/workflow-scheduler.ts';
import { readEntries, verifyArchive } from './archive-reader.ts';
import { BackupError } from './backup-errors.ts';
import { isEmptyDatabase, qualified, quotedColumns, quotedName, readTables } from './database-catalog.ts';
import { keyIdOf } from './key-id.ts';
import type { BackupManifest } from './manifest.ts';
import { checkSchemaCompatibility } from './schema-compatibility.ts';

/** What a run that was in flight when the backup was taken says after the restore. */
export const RESTORED_RUN_MESSAGE =
  'Talon was restored from a backup taken while this run was in flight; it did not finish there';

export interface RestoreSummary {
  tables: number;
  rows: number;
  skills: string[];
  /** Runs that were running or waiting for a 2FA code in the snapshot, now failed with `restored`. */
  runsMarkedFailed: number;
  manifest: BackupManifest;
}

/**
 * Everything restore checks before it writes anything: the archive whole and intact (checksums), a
 * format this Talon reads, the key it is given is the key the secrets were encrypted with (by the
 * archive's key id), and a schema this Talon can rebuild.
 */
export async function verifyRestorable(file: string, secretKeyBase: string): Promise<BackupManifest> {
  const manifest = await verifyArchive(file);
  if (keyIdOf(secretKeyBase) !== manifest.keyId) {
    throw new BackupError(
      'wrong_key',
      `${file} was made with another SECRET_KEY_BASE than the one given (key id ${manifest.keyId.slice(0, 8)}…): ` +
        'give the key the backed-up Talon ran with (SECRET_KEY_BASE, or --key-file); nothing was restored',
    );
  }
  checkSchemaCompatibility(manifest, file);
  return manifest;
}

/** The skills folder is new or empty (hidden files aside): restore writes the approved skills there. */
export async function checkSkillsFolderEmpty(skillsDir: string): Promise<void> {
  const present = await readdir(skillsDir).catch(() => [] as string[]);
  const visible = present.filter((name) => !name.startsWith('.'));
  if (visible.length > 0) {
    throw new BackupError(
      'target_not_empty',
      `The skills folder ${skillsDir} is not empty (${visible.slice(0, 3).join(', ')}…): restore into a new data folder; nothing was restored`,
    );
  }
}

async function drain(stream: Readable): Promise<void> {
  for await (const chunk of stream) void chunk;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Restores a verified archive into an empty database and skills folder: the archive's schema first
 * (its migrations, pg-boss's tables), then in one transaction every table copied in, sequences set,
 * and runs that were `running` or `waiting_2fa` marked `failed` (`restored`); then the migrations
 * this Talon has beyond the archive's; then the approved skills written and every skill checksum
 * verified against its approval.
 */
export async function restoreInto(options: {
  file: string;
  manifest: BackupManifest;
  databaseUrl: string;
  skillsDir: string;
  logger: Logger;
}): Promise<RestoreSummary> {
  const { file, manifest, databaseUrl, skillsDir, logger } = options;
  await checkSkillsFolderEmpty(skillsDir);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'talon-restore' });
  await client.connect();
  const skillFiles = new Map<string, string>();
  let runsMarkedFailed: number;
  try {
    if (!(await isEmptyDatabase(client))) {
      throw new BackupError(
        'target_not_empty',
        'The target database already holds tables: restore into an empty database (or a new data folder); nothing was restored',
      );
    }
    await migrateUp(databaseUrl, logger, { count: manifest.database.migrations.length });
    if (manifest.database.pgBossSchemaVersion !== null) {
      await client.query(getConstructionPlans(PGBOSS_SCHEMA));
    }
    const present = new Map((await readTables(client)).map((table) => [qualified(table), table]));
    for (const table of manifest.tables) {
      const here = present.get(qualified(table));
      const missing = here ? table.columns.filter((column) => !here.columns.includes(column)) : table.columns;
      if (!here || missing.length > 0) {
        throw new BackupError(
          'schema_mismatch',
          `The archive's table ${qualified(table)} does not fit this Talon's (${here ? `no column ${missing.join(', ')}` : 'no such table'}): restore with the Talon version that made it`,
        );
      }
    }

    const byEntry = new Map(manifest.tables.map((table) => [table.entry, table]));
    const skillEntries = new Set(
      manifest.skills.flatMap((skill) => [skill.manifest.entry, skill.code.entry]),
    );
    await client.query('BEGIN');
    // The metrics triggers stay quiet: a restored history is not counted again.
    await client.query("SET LOCAL talon.restoring = 'on'");
    if (manifest.tables.length > 0) {
      await client.query(`TRUNCATE ${manifest.tables.map((table) => quotedName(table)).join(', ')}`);
    }
    await readEntries(file, async (name, stream) => {
      const table = byEntry.get(name);
      if (table) {
        await pipeline(
          stream,
          client.query(copyFrom(`COPY ${quotedName(table)} (${quotedColumns(table.columns)}) FROM STDIN`)),
        );
      } else if (skillEntries.has(name)) {
        skillFiles.set(name, await readAll(stream));
      } else {
        await drain(stream);
      }
    });
    for (const sequence of manifest.sequences) {
      await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [
        quotedName(sequence),
        sequence.lastValue ?? '1',
        sequence.lastValue !== null,
      ]);
    }
    const marked = await client.query(
      `UPDATE workflow_runs SET status = 'failed', error_code = 'restored', error_message = $1, finished_at = now()
       WHERE status IN ('running', 'waiting_2fa')`,
      [RESTORED_RUN_MESSAGE],
    );
    runsMarkedFailed = marked.rowCount ?? 0;
    // The node that polled Telegram is not this one: let whichever node starts take the lease at once.
    await client.query('UPDATE telegram_gateway_lease SET holder = NULL, expires_at = NULL');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof BackupError) throw error;
    throw new BackupError('backup_failed', `The restore failed: ${errorMessage(error)}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
  await migrateUp(databaseUrl, logger);

  // The approved packages, byte for byte; each checked on disk against the checksum it was approved with.
  const mismatched: string[] = [];
  for (const skill of manifest.skills) {
    const folder = path.join(skillsDir, skill.name);
    await mkdir(folder, { recursive: true, mode: 0o755 });
    await writeFile(path.join(folder, 'skill.json'), skillFiles.get(skill.manifest.entry) ?? '', {
      mode: 0o644,
    });
    await writeFile(path.join(folder, 'index.js'), skillFiles.get(skill.code.entry) ?? '', { mode: 0o644 });
    const manifestSource = await readFile(path.join(folder, 'skill.json'), 'utf8');
    const code = await readFile(path.join(folder, 'index.js'), 'utf8');
    let checksum: string;
    try {
      checksum = skillChecksum(JSON.parse(manifestSource), code);
    } catch {
      checksum = '';
    }
    if (checksum !== skill.checksum) mismatched.push(skill.name);
  }
  if (mismatched.length > 0) {
    throw new BackupError(
      'skill_checksum_mismatch',
      `The database was restored, but these skills do not match the checksum they were approved with: ${mismatched.join(', ')}; Talon will refuse them as tampered until you approve them again`,
    );
  }
  return {
    tables: manifest.tables.length,
    rows: manifest.tables.reduce((sum, table) => sum + table.rows, 0),
    skills: manifest.skills.map((skill) => skill.name),
    runsMarkedFailed,
    manifest,
  };
}
