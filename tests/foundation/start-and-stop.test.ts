import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '@talon/core/db/embedded-postgres.ts';
import { spawnTalon, waitForStatus } from '../support/talon-process.ts';

// `pnpm start` with no database installed and no DATABASE_URL: Talon brings its own PostgreSQL.
const dataDir = mkdtempSync(path.join(tmpdir(), 'talon-start-'));
chmodSync(dataDir, 0o755);

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function startOnce(port: number) {
  const talon = spawnTalon('core/src/main.ts', {
    DATA_DIR: dataDir,
    PORT: String(port),
    ADMIN_PASSWORD: 'correct horse battery staple',
    LOG_LEVEL: 'info',
  });
  const response = await waitForStatus(`http://127.0.0.1:${port}/health`, [200], 45_000);
  return { talon, health: (await response.json()) as Record<string, unknown> };
}

describe('pnpm start on an embedded PostgreSQL', () => {
  it('serves /health with the database connected, reports 503 when the database dies, and stops cleanly', async () => {
    const port = await findFreePort();
    const { talon, health } = await startOnce(port);
    expect(health).toEqual({ status: 'ok', version: expect.any(String), db: 'connected' });

    // A generated key was written into the data folder, readable only by its owner.
    const keyFile = path.join(dataDir, 'secret_key_base');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(talon.output().stdout).toContain('SECRET_KEY_BASE is not set: generated one into the data folder');

    // Kill PostgreSQL under Talon's feet: health must say so, not hang or lie.
    const postmasterPid = Number(
      readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    process.kill(postmasterPid, 'SIGKILL');
    const degraded = await waitForStatus(`http://127.0.0.1:${port}/health`, [503], 20_000);
    expect(await degraded.json()).toMatchObject({ status: 'degraded', db: 'unreachable' });

    talon.child.kill('SIGTERM');
    expect(await talon.exited).toBe(0);
  });

  it('reuses the data folder on the next start instead of initialising it again', async () => {
    const versionFile = path.join(dataDir, 'postgres', 'PG_VERSION');
    const initialisedAt = statSync(versionFile).mtimeMs;
    const port = await findFreePort();
    const { talon, health } = await startOnce(port);
    expect(health['db']).toBe('connected');
    expect(talon.output().stdout).toContain('"reused":true');
    expect(statSync(versionFile).mtimeMs).toBe(initialisedAt);

    talon.child.kill('SIGINT');
    expect(await talon.exited).toBe(0);
    // The embedded server went down with Talon: its lock file is gone.
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });
});
