import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { MIGRATIONS_DIR } from '../db/migrate.ts';
import { BackupError } from './backup-errors.ts';
import type { BackupManifest } from './manifest.ts';

/** This Talon's migrations by name (`0001_settings`), in the order they apply. */
export function knownMigrations(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith('.sql') && !file.startsWith('.'))
    .map((file) => file.replace(/(\.up)?\.sql$/, ''))
    .sort();
}

/** The schema version of the pg-boss this Talon runs (its package.json says it). */
export function installedPgBossSchemaVersion(): number {
  const entry = fileURLToPath(import.meta.resolve('pg-boss'));
  const manifest = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as {
    pgboss?: { schema?: unknown };
  };
  const version = manifest.pgboss?.schema;
  if (typeof version !== 'number') throw new Error('the installed pg-boss does not say its schema version');
  return version;
}

/**
 * Restore rebuilds the archive's schema with this Talon's own migrations and pg-boss, then copies the
 * data in: so the archive's migrations must be the first ones of this Talon's, and its pg-boss schema
 * this pg-boss's. Checked before anything is written.
 */
export function checkSchemaCompatibility(manifest: BackupManifest, file: string): void {
  const known = knownMigrations();
  const theirs = manifest.database.migrations;
  const differs = theirs.findIndex((name, index) => known[index] !== name);
  if (differs !== -1) {
    throw new BackupError(
      'schema_mismatch',
      `${file} was made by a Talon whose database schema this one does not have (migration ${theirs[differs]}): ` +
        `restore it with the Talon version that made it (${manifest.talonVersion}), then upgrade; nothing was restored`,
    );
  }
  const pgBoss = manifest.database.pgBossSchemaVersion;
  if (pgBoss !== null && pgBoss !== installedPgBossSchemaVersion()) {
    throw new BackupError(
      'schema_mismatch',
      `${file} holds job queues of pg-boss schema version ${pgBoss}, this Talon runs ${installedPgBossSchemaVersion()}: ` +
        `restore it with the Talon version that made it (${manifest.talonVersion}), then upgrade; nothing was restored`,
    );
  }
}
