import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '@talon/core/db/embedded-postgres.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { spawnTalon, waitForStatus, type TalonProcess } from '../support/talon-process.ts';

// A real Talon process on loopback, driven over real HTTP the way curl or a browser would.
const ADMIN_PASSWORD = 'over-http admin password 4711';
let database: TestDatabase;
let port: number;
let talon: TalonProcess | undefined;
const logs: string[] = [];
const dataDir = mkdtempSync(path.join(tmpdir(), 'talon-login-http-'));

async function start(): Promise<void> {
  talon = spawnTalon('core/src/main.ts', {
    DATABASE_URL: database.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_PASSWORD,
    SECRET_KEY_BASE: 'login-over-http-secret-key-base-0123456789abcdef',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
  });
  await waitForStatus(`http://127.0.0.1:${port}/health`, [200], 45_000);
}

async function stop(): Promise<void> {
  if (!talon) return;
  talon.child.kill('SIGTERM');
  await talon.exited;
  const { stdout, stderr } = talon.output();
  logs.push(stdout, stderr);
  talon = undefined;
}

beforeAll(async () => {
  database = await createTestDatabase();
  port = await findFreePort();
  await start();
}, 60_000);
afterAll(async () => {
  await stop();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const url = (path: string) => `http://127.0.0.1:${port}${path}`;

/** What the login page does: fetch the session status (cookie + CSRF token) first. */
async function visitor(): Promise<{ cookie: string; csrfToken: string }> {
  const response = await fetch(url('/api/auth/session'));
  const cookie = response.headers.getSetCookie()[0]!.split(';', 1)[0]!;
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrfToken };
}

async function login(password: string, who: { cookie: string; csrfToken: string }): Promise<Response> {
  return fetch(url('/api/auth/login'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: who.cookie, 'x-csrf-token': who.csrfToken },
    body: JSON.stringify({ password }),
  });
}

describe('the login over real HTTP', () => {
  it('answers non-public routes 401 or a redirect to /login without a session', async () => {
    for (const path of ['/api/settings', '/api/dashboard', '/api/auth/totp']) {
      const response = await fetch(url(path));
      expect(response.status, path).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'unauthenticated' });
    }
    for (const path of ['/metrics', '/', '/settings']) {
      const response = await fetch(url(path), { redirect: 'manual' });
      expect(response.status, path).toBe(302);
      expect(response.headers.get('location')).toBe('/login');
    }
  });

  it('logs in, then a brute-force loop of 20 guesses gets 5 × 401 and then 429 with Retry-After', async () => {
    const owner = await visitor();
    const ok = await login(ADMIN_PASSWORD, owner);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^talon_session=.+; Path=\/; HttpOnly; SameSite=Strict$/);

    const attacker = await visitor();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 20; i++) {
      const response = await login(`guess-${i}`, attacker);
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(15).fill(429));
    expect(Number(retryAfter)).toBeGreaterThan(850);
    expect((await login(ADMIN_PASSWORD, attacker)).status).toBe(429);
  });

  it('still blocks the address after Talon restarts', async () => {
    await stop();
    await start();
    const response = await login(ADMIN_PASSWORD, await visitor());
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({
      error: 'rate_limited',
      retryAfterSeconds: expect.any(Number),
    });
  }, 60_000);

  it('never wrote a password to its logs', async () => {
    await stop();
    const all = logs.join('\n');
    expect(all).toContain('login refused: address is blocked');
    expect(all).not.toContain(ADMIN_PASSWORD);
    expect(all).not.toContain('guess-');
  });
});
