import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendants, listeningSockets } from '@talon/sidecar-automator/testing/processes.ts';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { createLogger } from '../logging/logger.ts';
import { SETTING_DEFINITIONS } from '../settings/definitions.ts';
import { SettingsStore } from '../settings/store.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { SidecarSupervisor } from './sidecar-supervisor.ts';

// The real sidecar process (node sidecar-automator/src/main.ts), started and watched as boot.ts does.
const cipher = new SettingsCipher('sidecar-supervisor-test-key-base-0123456789');
const logger = createLogger('silent');
let db: TestDatabase;
let settings: SettingsStore;
let supervisor: SidecarSupervisor;
const dataDir = mkdtempSync(path.join(tmpdir(), 'talon-supervisor-'));

beforeAll(async () => {
  db = await createTestDatabase();
  settings = await SettingsStore.load(db.pool, cipher, logger);
  await settings.seed(SETTING_DEFINITIONS, {
    'web_automator.enabled': 'true',
    'web_automator.host': 'http://127.0.0.1:0',
  });
  supervisor = new SidecarSupervisor({
    settings,
    logger,
    nodeName: 'node-a',
    dataDir,
    logLevel: 'silent',
    backoff: { first: 50, max: 200 },
  });
  await supervisor.start();
}, 60_000);
afterAll(async () => {
  await supervisor?.stop();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function health(token: string | undefined): Promise<number> {
  const { url } = supervisor.status();
  const response = await fetch(
    `${url}/health`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  return response.status;
}

describe('the sidecar supervisor', () => {
  it('starts the sidecar on loopback with a generated token, kept encrypted, in no environment and no file', async () => {
    const status = supervisor.status();
    expect(status).toMatchObject({ state: 'running', restarts: 0, lastError: null });
    expect(status.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = settings.getString('web_automator.token');
    expect(token.length).toBeGreaterThanOrEqual(43);
    const stored = await db.pool.oneFirst(
      sql.type(z.object({ value: z.string() }))`SELECT value FROM settings WHERE key = 'web_automator.token'`,
    );
    expect(stored).toMatch(/^enc:/);
    expect(stored).not.toContain(token);

    expect(await health(token)).toBe(200);
    expect(await health(undefined)).toBe(401);
    expect(await health('x'.repeat(43))).toBe(401);

    // Handed over in a 0600 file that is gone once the sidecar read it; never in its environment.
    const environ = readFileSync(`/proc/${status.pid}/environ`, 'utf8');
    expect(environ).not.toContain(token);
    expect(environ).toContain(`SIDECAR_DATA_DIR=${path.join(dataDir, 'automator')}`);
    expect(existsSync(path.join(dataDir, 'automator-run', 'token'))).toBe(false);
  });

  it('listens on loopback only, and nothing it starts listens at all', () => {
    const sidecar = supervisor.status().pid!;
    const sockets = listeningSockets([sidecar, ...descendants(sidecar)]);
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.filter((socket) => !socket.loopback)).toEqual([]);
    expect(sockets.filter((socket) => socket.pid !== sidecar)).toEqual([]);
  });

  it('restarts the sidecar after it dies, with the same token', async () => {
    const before = supervisor.status().pid!;
    process.kill(before, 'SIGKILL');
    await expect
      .poll(() => supervisor.status(), { timeout: 20_000 })
      .toMatchObject({ state: 'running', restarts: 1 });
    const after = supervisor.status().pid!;
    expect(after).not.toBe(before);
    expect(await health(settings.getString('web_automator.token'))).toBe(200);
  });

  it('restarts it with the new token when the token setting changes', async () => {
    const before = supervisor.status().pid!;
    const token = 'owner-chosen-token-0123456789-abcdefghijklmnop';
    await settings.set('web_automator.token', token);
    await expect
      .poll(() => supervisor.status().state === 'running' && supervisor.status().pid !== before, {
        timeout: 20_000,
      })
      .toBe(true);
    expect(alive(before)).toBe(false);
    expect(await health(token)).toBe(200);
    expect((await supervisor.endpoint()).token).toBe(token);
  });

  it('leaves a sidecar on another machine alone, and talks to web_automator.host', async () => {
    const before = supervisor.status().pid!;
    await settings.set('web_automator.host', 'https://sidecar.internal:6900');
    await expect.poll(() => alive(before), { timeout: 15_000 }).toBe(false);
    expect(supervisor.status()).toMatchObject({
      state: 'external',
      url: 'https://sidecar.internal:6900',
      pid: null,
    });
    expect(await supervisor.endpoint()).toMatchObject({ url: 'https://sidecar.internal:6900' });
    await settings.set('web_automator.host', 'http://127.0.0.1:0');
    await expect.poll(() => supervisor.status().state, { timeout: 20_000 }).toBe('running');
  });

  it('leaves it to the node web_automator.node names', async () => {
    const before = supervisor.status().pid!;
    await settings.set('web_automator.node', 'node-b');
    await expect.poll(() => alive(before), { timeout: 15_000 }).toBe(false);
    await expect(supervisor.endpoint()).rejects.toMatchObject({ code: 'automation_on_other_node' });
    await settings.set('web_automator.node', 'node-a');
    await expect.poll(() => supervisor.status().state, { timeout: 20_000 }).toBe('running');
  });

  it('stops it when web_automator.enabled is turned off, and refuses requests meanwhile', async () => {
    const before = supervisor.status().pid!;
    await settings.set('web_automator.enabled', false);
    await expect.poll(() => alive(before), { timeout: 15_000 }).toBe(false);
    expect(supervisor.status()).toMatchObject({ state: 'off', pid: null });
    await expect(supervisor.endpoint()).rejects.toMatchObject({ code: 'automation_disabled' });
  });

  it('stops it with SIGTERM on shutdown, and does not restart it', async () => {
    await settings.set('web_automator.enabled', true);
    await expect.poll(() => supervisor.status().state, { timeout: 20_000 }).toBe('running');
    const pid = supervisor.status().pid!;
    await supervisor.stop();
    expect(alive(pid)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(supervisor.status().pid).toBeNull();
  });
});
