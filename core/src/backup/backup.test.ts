import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sql } from 'slonik';
import tar from 'tar-stream';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { openPool } from '../db/pool.ts';
import { createTestApp, TEST_SECRET_KEY_BASE, type TestApp } from '../testing/test-app.ts';
import { createEmptyDatabase } from '../testing/test-database.ts';
import { BackupService } from './backup-service.ts';
import { restoreInto, verifyRestorable } from './restore.ts';

const logger = createLogger('silent');
let talon: TestApp;
let dataDir: string;

beforeAll(async () => {
  talon = await createTestApp();
  dataDir = mkdtempSync(path.join(tmpdir(), 'talon-backup-unit-'));
  await talon.settings.set('github.token', 'ghp_unit_secret');
  await talon.audit.record({ actor: 'admin', action: 'test.before_backup', outcome: 'succeeded' });
});
afterAll(async () => {
  await talon?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function service(options: { node?: string; now?: () => Date } = {}): BackupService {
  return new BackupService({
    pool: talon.database.pool,
    databaseUrl: talon.database.url,
    settings: talon.settings,
    audit: talon.audit,
    secretKeyBase: TEST_SECRET_KEY_BASE,
    dataDir,
    node: options.node ?? 'node-a',
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
}

const count = z.object({ count: z.number() });

describe('a backup written by a running Talon', () => {
  let file: string;

  it('is written into the backup folder, recorded, and audited', async () => {
    const record = await service().backupNow('admin');
    expect(record).toMatchObject({ status: 'succeeded', trigger: 'admin', node: 'node-a' });
    file = record.file!;
    expect(path.dirname(file)).toBe(path.join(dataDir, 'backups'));
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).includes(Buffer.from('ghp_unit_secret'))).toBe(false);
    const audited = await talon.audit.recent({ action: 'backup.create' });
    expect(audited[0]).toMatchObject({ outcome: 'succeeded', target: file });
  });

  it('restores into an empty database: same rows, sequences past them, secrets readable with the key', async () => {
    const manifest = await verifyRestorable(file, TEST_SECRET_KEY_BASE);
    const target = await createEmptyDatabase();
    const skillsDir = mkdtempSync(path.join(tmpdir(), 'talon-restore-skills-'));
    try {
      const summary = await restoreInto({ file, manifest, databaseUrl: target.url, skillsDir, logger });
      expect(summary.tables).toBeGreaterThan(20);
      const pool = await openPool(target.url, 'the restored database');
      try {
        for (const table of ['settings', 'admin_sessions', 'skill_approvals']) {
          const [before, after] = await Promise.all(
            [talon.database.pool, pool].map((connection) =>
              connection.oneFirst(
                sql.type(count)`SELECT count(*)::int AS count FROM ${sql.identifier([table])}`,
              ),
            ),
          );
          expect(after, table).toBe(before);
        }
        // The audit log as it was in the snapshot: the entry about the backup itself came after it.
        const actions = await pool.anyFirst(
          sql.type(z.object({ action: z.string() }))`SELECT action FROM audit_log ORDER BY id`,
        );
        expect(actions).toContain('test.before_backup');
        expect(actions).not.toContain('backup.create');
        const stored = await pool.oneFirst(
          sql.type(z.object({ value: z.string() }))`SELECT value FROM settings WHERE key = 'github.token'`,
        );
        expect(stored).toMatch(/^enc:/);
        // The next audit entry gets a new id: the sequence was restored past the copied rows.
        await pool.query(
          sql.unsafe`INSERT INTO audit_log (actor, action, outcome) VALUES ('admin', 'x', 'succeeded')`,
        );
        // No metric was counted for the copied rows (the triggers stay quiet during a restore).
        expect(await pool.oneFirst(sql.type(count)`SELECT count(*)::int AS count FROM metric_events`)).toBe(
          0,
        );
      } finally {
        await pool.end();
      }
    } finally {
      await target.drop();
      rmSync(skillsDir, { recursive: true, force: true });
    }
  });

  it('refuses to restore over a database that holds tables', async () => {
    const manifest = await verifyRestorable(file, TEST_SECRET_KEY_BASE);
    const skillsDir = mkdtempSync(path.join(tmpdir(), 'talon-restore-skills-'));
    try {
      await expect(
        restoreInto({ file, manifest, databaseUrl: talon.database.url, skillsDir, logger }),
      ).rejects.toMatchObject({ code: 'target_not_empty' });
    } finally {
      rmSync(skillsDir, { recursive: true, force: true });
    }
  });

  it('refuses an archive cut short, a wrong key, and a format newer than this Talon reads', async () => {
    const cut = path.join(dataDir, 'cut.tar.gz');
    const bytes = readFileSync(file);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    await expect(verifyRestorable(cut, TEST_SECRET_KEY_BASE)).rejects.toMatchObject({
      code: 'archive_corrupt',
    });
    await expect(
      verifyRestorable(file, 'another-key-entirely-0123456789-abcdefghijkl'),
    ).rejects.toMatchObject({
      code: 'wrong_key',
    });
    const future = path.join(dataDir, 'future.tar.gz');
    const pack = tar.pack();
    const written = pipeline(pack, createGzip(), createWriteStream(future));
    const manifest = JSON.stringify({ format: 'talon-backup', formatVersion: 2 });
    const { createHash } = await import('node:crypto');
    pack.entry({ name: 'manifest.json' }, manifest);
    pack.entry({ name: 'manifest.sha256' }, createHash('sha256').update(manifest).digest('hex'));
    pack.finalize();
    await written;
    await expect(verifyRestorable(future, TEST_SECRET_KEY_BASE)).rejects.toThrow(
      /backup format 2, newer than this Talon reads \(1\)/,
    );
    await expect(
      verifyRestorable(path.join(dataDir, 'nothing-here.tar.gz'), TEST_SECRET_KEY_BASE),
    ).rejects.toThrow(/There is no file/);
  });
});

describe('scheduled backups', () => {
  it('run once per occurrence whichever nodes look, and keep the newest backup.keep archives', async () => {
    await talon.settings.set('backup.schedule', '0 3 * * *');
    await talon.settings.set('backup.keep', 2);
    const folder = path.join(dataDir, 'backups');
    rmSync(folder, { recursive: true, force: true });
    let now = new Date('2030-03-10T03:00:30Z');
    const nodeA = service({ node: 'node-a', now: () => now });
    const nodeB = service({ node: 'node-b', now: () => now });
    const first = await nodeA.tick();
    expect(first).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
    expect(await nodeB.tick()).toBeUndefined();
    expect(await nodeA.tick()).toBeUndefined();
    for (const day of ['11', '12']) {
      now = new Date(`2030-03-${day}T03:00:30Z`);
      expect(await nodeB.tick()).toMatchObject({ status: 'succeeded', node: 'node-b' });
    }
    const kept = readdirSync(folder)
      .filter((name) => name.endsWith('.tar.gz'))
      .sort();
    expect(kept).toEqual([expect.stringContaining('20300311T'), expect.stringContaining('20300312T')]);
    const scheduled = await talon.database.pool.any(
      sql.type(z.object({ at: z.string() }))`
        SELECT to_char(scheduled_for AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS at FROM backups
        WHERE trigger = 'schedule' ORDER BY scheduled_for`,
    );
    expect(scheduled.map((row) => row.at)).toEqual(['03-10 03:00', '03-11 03:00', '03-12 03:00']);
  });

  it('records a failed backup with its reason', async () => {
    const notAFolder = path.join(dataDir, 'a-file');
    writeFileSync(notAFolder, 'not a folder');
    await talon.settings.set('backup.dir', path.join(notAFolder, 'backups'));
    try {
      const record = await service().backupNow('admin');
      expect(record.status).toBe('failed');
      expect(record.error).toContain('ENOTDIR');
    } finally {
      await talon.settings.set('backup.dir', '');
    }
  });
});
