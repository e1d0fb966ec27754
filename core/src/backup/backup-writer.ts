import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import tar from 'tar-stream';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { errorMessage } from '../errors.ts';
import { keyCheckMatches } from '../settings/key-check.ts';
import { TALON_VERSION } from '../version.ts';
import { BackupError } from './backup-errors.ts';
import {
  quotedColumns,
  quotedName,
  readSequences,
  readTables,
  type CatalogTable,
} from './database-catalog.ts';
import { keyIdOf } from './key-id.ts';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  MANIFEST_CHECKSUM_ENTRY,
  MANIFEST_ENTRY,
  type BackupManifest,
} from './manifest.ts';

export interface BackupOptions {
  databaseUrl: string;
  /** The key the secrets are encrypted with: only its id goes into the archive. */
  secretKeyBase: string;
  /** Where the archive is written (`.partial` beside it until it is complete). */
  file: string;
  node: string;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  tables: number;
  rows: number;
  skills: number;
  manifest: BackupManifest;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Copies one table into a file, hashing it on the way. */
async function copyTable(
  client: pg.Client,
  table: CatalogTable,
  file: string,
): Promise<{ sha256: string; bytes: number; rows: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const stream = client.query(
    copyTo(`COPY ${quotedName(table)} (${quotedColumns(table.columns)}) TO STDOUT`),
  );
  await pipeline(stream, counter, createWriteStream(file, { mode: 0o600 }));
  return { sha256: hash.digest('hex'), bytes, rows: stream.rowCount ?? 0 };
}

/**
 * Writes a backup of a running or stopped Talon: every table of its schemas `COPY`ed in one
 * `REPEATABLE READ` transaction (one consistent snapshot while Talon keeps working), the approved
 * skill packages from the same snapshot, and a manifest with the format version, the key id and a
 * SHA-256 of every entry, followed by the manifest's own SHA-256. Secrets stay encrypted; the key is
 * not in it. The archive appears under its name only once complete.
 */
export async function writeBackup(options: BackupOptions): Promise<BackupSummary> {
  const work = await mkdtemp(path.join(path.dirname(options.file), '.talon-backup-'));
  const partial = `${options.file}.partial`;
  const client = new pg.Client({ connectionString: options.databaseUrl, application_name: 'talon-backup' });
  try {
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const keyCheck = await client.query<{ value: string }>('SELECT value FROM secret_key_check WHERE id = 1');
    const stored = keyCheck.rows[0]?.value;
    if (stored !== undefined && !keyCheckMatches(new SettingsCipher(options.secretKeyBase), stored)) {
      throw new BackupError(
        'wrong_key',
        "SECRET_KEY_BASE is not the key this database's secrets were encrypted with: back up with the key Talon runs with",
      );
    }
    const serverVersion = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
      .rows[0]!.v;
    const migrations = (
      await client.query<{ name: string }>('SELECT name FROM talon_migrations ORDER BY run_on, id')
    ).rows.map((row) => row.name);
    // Asked first: a query on a missing table would abort the snapshot's transaction.
    const hasPgBoss = (
      await client.query<{ present: boolean }>("SELECT to_regclass('pgboss.version') IS NOT NULL AS present")
    ).rows[0]!.present;
    const pgBoss = hasPgBoss
      ? await client.query<{ version: number }>('SELECT version FROM pgboss.version LIMIT 1')
      : { rows: [] as { version: number }[] };
    const tables = await readTables(client);
    const sequences = await readSequences(client);
    const approvals = await client.query<{
      name: string;
      version: string;
      checksum: string;
      manifest_source: string;
      code: string;
    }>('SELECT name, version, checksum, manifest_source, code FROM skill_approvals ORDER BY name');

    const tableEntries: BackupManifest['tables'] = [];
    for (const [index, table] of tables.entries()) {
      const entry = `tables/${String(index + 1).padStart(4, '0')}-${table.schema}.${table.name}.copy`;
      const copied = await copyTable(client, table, path.join(work, String(index)));
      tableEntries.push({ ...table, entry, ...copied });
    }
    await client.query('COMMIT');

    const skills: BackupManifest['skills'] = approvals.rows.map((row) => ({
      name: row.name,
      version: row.version,
      checksum: row.checksum,
      manifest: {
        entry: `skills/${row.name}/skill.json`,
        sha256: sha256(row.manifest_source),
        bytes: Buffer.byteLength(row.manifest_source),
      },
      code: {
        entry: `skills/${row.name}/index.js`,
        sha256: sha256(row.code),
        bytes: Buffer.byteLength(row.code),
      },
    }));
    const manifest: BackupManifest = {
      format: ARCHIVE_FORMAT,
      formatVersion: ARCHIVE_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      talonVersion: TALON_VERSION,
      node: options.node,
      keyId: keyIdOf(options.secretKeyBase),
      database: { serverVersion, migrations, pgBossSchemaVersion: pgBoss.rows[0]?.version ?? null },
      tables: tableEntries,
      sequences,
      skills,
    };

    const pack = tar.pack();
    const written = pipeline(pack, createGzip(), createWriteStream(partial, { mode: 0o600 }));
    const addFile = (name: string, file: string, size: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const entry = pack.entry({ name, size, mode: 0o600 }, (error) => (error ? reject(error) : resolve()));
        createReadStream(file).on('error', reject).pipe(entry);
      });
    const addText = (name: string, text: string): Promise<void> =>
      new Promise((resolve, reject) => {
        pack.entry({ name, mode: 0o600 }, Buffer.from(text, 'utf8'), (error) =>
          error ? reject(error) : resolve(),
        );
      });
    for (const [index, table] of tableEntries.entries())
      await addFile(table.entry, path.join(work, String(index)), table.bytes);
    for (const [index, row] of approvals.rows.entries()) {
      await addText(skills[index]!.manifest.entry, row.manifest_source);
      await addText(skills[index]!.code.entry, row.code);
    }
    const manifestText = JSON.stringify(manifest, null, 2);
    await addText(MANIFEST_ENTRY, manifestText);
    await addText(MANIFEST_CHECKSUM_ENTRY, `${sha256(manifestText)}  ${MANIFEST_ENTRY}\n`);
    pack.finalize();
    await written;
    await rename(partial, options.file);
    return {
      file: options.file,
      bytes: (await stat(options.file)).size,
      tables: tableEntries.length,
      rows: tableEntries.reduce((sum, table) => sum + table.rows, 0),
      skills: skills.length,
      manifest,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    await rm(partial, { force: true });
    if (error instanceof BackupError) throw error;
    throw new BackupError('backup_failed', `The backup failed: ${errorMessage(error)}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}
