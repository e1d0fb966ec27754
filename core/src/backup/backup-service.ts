import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { latestOccurrence } from '../scheduler/cron-occurrences.ts';
import type { SettingsStore } from '../settings/store.ts';
import { writeBackup } from './backup-writer.ts';
import { readBackupSettings } from './settings.ts';

export type BackupTrigger = 'schedule' | 'admin' | 'cli';

export interface BackupRecord {
  id: number;
  trigger: BackupTrigger;
  node: string;
  status: 'running' | 'succeeded' | 'failed';
  file: string | null;
  bytes: number | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const recordRow = z.object({
  id: z.number(),
  trigger: z.enum(['schedule', 'admin', 'cli']),
  node: z.string(),
  status: z.enum(['running', 'succeeded', 'failed']),
  file: z.string().nullable(),
  bytes: z.number().nullable(),
  error: z.string().nullable(),
  started_at: z.number(),
  finished_at: z.number().nullable(),
});

function toRecord(row: z.infer<typeof recordRow>): BackupRecord {
  return {
    id: row.id,
    trigger: row.trigger,
    node: row.node,
    status: row.status,
    file: row.file,
    bytes: row.bytes,
    error: row.error,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
  };
}

const COLUMNS = sql.fragment`id::float8 AS id, trigger, node, status, file, bytes::float8 AS bytes, error, started_at, finished_at`;

/** Archives Talon names itself; only these are pruned by `backup.keep`. */
export const ARCHIVE_NAME = /^talon-backup-[A-Za-z0-9_.-]+\.tar\.gz$/;

export function archiveName(node: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `talon-backup-${node.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}.tar.gz`;
}

/** How often a node looks whether a scheduled backup is due (milliseconds). */
export const SCHEDULE_CHECK_MS = 60_000;

export interface BackupServiceOptions {
  pool: DatabasePool;
  databaseUrl: string;
  settings: SettingsStore;
  audit: AuditLog;
  secretKeyBase: string;
  dataDir: string;
  node: string;
  logger: Logger;
  now?: () => Date;
}

/**
 * Backups of a running Talon: on demand (the admin, or `pnpm talon backup` recording itself here)
 * and on the `backup.schedule`. Every node looks each minute whether an occurrence is due and claims
 * it in PostgreSQL (one row per occurrence), so exactly one node writes each scheduled backup, and
 * an occurrence missed while every node was down is made up once. `backup.keep` archives are kept.
 */
export class BackupService {
  readonly #options: BackupServiceOptions;
  readonly #logger: Logger;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();

  constructor(options: BackupServiceOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ domain: 'backup' });
    this.#now = options.now ?? (() => new Date());
  }

  get folder(): string {
    return readBackupSettings(this.#options.settings, this.#options.dataDir).dir;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#ticking = this.tick().then(
        () => undefined,
        (error: unknown) =>
          this.#logger.error({ reason: errorMessage(error) }, 'the backup schedule check failed'),
      );
    }, SCHEDULE_CHECK_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#ticking;
  }

  /** Runs the scheduled backup when an occurrence of `backup.schedule` came due that no node has claimed. */
  async tick(): Promise<BackupRecord | undefined> {
    const backup = readBackupSettings(this.#options.settings, this.#options.dataDir);
    if (backup.schedule === undefined) return undefined;
    const due = latestOccurrence(backup.schedule, 'UTC', this.#now());
    const claimed = await this.#options.pool.maybeOneFirst(sql.type(z.object({ id: z.number() }))`
      INSERT INTO backups (trigger, scheduled_for, node, status)
      SELECT 'schedule', ${due.toISOString()}::timestamptz, ${this.#options.node}, 'running'
      WHERE NOT EXISTS (SELECT 1 FROM backups WHERE trigger = 'schedule' AND scheduled_for >= ${due.toISOString()}::timestamptz)
      ON CONFLICT (scheduled_for) DO NOTHING
      RETURNING id::float8 AS id`);
    if (claimed === null) return undefined;
    return this.#write(claimed, 'schedule');
  }

  /** A backup now: into the backup folder (pruned to `backup.keep`), or into `file`. */
  async backupNow(trigger: Exclude<BackupTrigger, 'schedule'>, file?: string): Promise<BackupRecord> {
    const id = await this.#options.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
      INSERT INTO backups (trigger, node, status) VALUES (${trigger}, ${this.#options.node}, 'running')
      RETURNING id::float8 AS id`);
    return this.#write(id, trigger, file);
  }

  async #write(id: number, trigger: BackupTrigger, file?: string): Promise<BackupRecord> {
    const { pool } = this.#options;
    const backup = readBackupSettings(this.#options.settings, this.#options.dataDir);
    const target = file ?? path.join(backup.dir, archiveName(this.#options.node, this.#now()));
    try {
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const summary = await writeBackup({
        databaseUrl: this.#options.databaseUrl,
        secretKeyBase: this.#options.secretKeyBase,
        file: target,
        node: this.#options.node,
      });
      await pool.query(sql.unsafe`
        UPDATE backups SET status = 'succeeded', file = ${summary.file}, bytes = ${summary.bytes}, finished_at = now()
        WHERE id = ${id}`);
      this.#logger.info({ file: summary.file, bytes: summary.bytes, trigger }, 'backup written');
      await this.#options.audit.record({
        actor: trigger === 'schedule' ? 'system' : 'admin',
        action: 'backup.create',
        target: summary.file,
        outcome: 'succeeded',
        details: { trigger, bytes: summary.bytes, tables: summary.tables, skills: summary.skills },
      });
      if (file === undefined) await this.prune(backup.dir, backup.keep);
    } catch (error) {
      const reason = errorMessage(error);
      await pool.query(sql.unsafe`
        UPDATE backups SET status = 'failed', error = ${reason.slice(0, 1_000)}, finished_at = now() WHERE id = ${id}`);
      this.#logger.error({ reason, trigger }, 'backup failed');
      await this.#options.audit.record({
        actor: trigger === 'schedule' ? 'system' : 'admin',
        action: 'backup.create',
        outcome: 'failed',
        reason,
        details: { trigger },
      });
    }
    return this.get(id);
  }

  /** Deletes the oldest of Talon's archives in the folder beyond the newest `keep`. */
  async prune(folder: string, keep: number): Promise<string[]> {
    const names = (await readdir(folder).catch(() => [] as string[])).filter((name) =>
      ARCHIVE_NAME.test(name),
    );
    const dated = await Promise.all(
      names.map(async (name) => ({ name, mtime: (await stat(path.join(folder, name))).mtimeMs })),
    );
    const old = dated.sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name)).slice(keep);
    for (const { name } of old) await rm(path.join(folder, name), { force: true });
    if (old.length > 0)
      this.#logger.info({ removed: old.map(({ name }) => name) }, 'old backups removed (backup.keep)');
    return old.map(({ name }) => path.join(folder, name));
  }

  async get(id: number): Promise<BackupRecord> {
    return toRecord(
      await this.#options.pool.one(sql.type(recordRow)`SELECT ${COLUMNS} FROM backups WHERE id = ${id}`),
    );
  }

  /** Newest first. */
  async list(limit = 50): Promise<BackupRecord[]> {
    const rows = await this.#options.pool.any(sql.type(recordRow)`
      SELECT ${COLUMNS} FROM backups ORDER BY started_at DESC, id DESC LIMIT ${Math.min(Math.max(limit, 1), 500)}`);
    return rows.map(toRecord);
  }
}
