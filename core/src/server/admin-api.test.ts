import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { z } from 'zod';
import { anonymousSession, loginAsAdmin, type AdminSession } from '../testing/admin-session.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../testing/test-app.ts';

let talon: TestApp;
let session: AdminSession;

beforeAll(async () => {
  talon = await createTestApp();
  session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
});
afterAll(async () => {
  await talon?.close();
});

interface SettingView {
  key: string;
  value: string;
  sensitive: boolean;
  hasValue: boolean;
}

function put(key: string, payload: object, headers: Record<string, string> = session.headers) {
  return talon.app.inject({ method: 'PUT', url: `/api/settings/${key}`, headers, payload });
}

async function stored(key: string): Promise<string> {
  const row = await talon.database.pool.one(
    sql.type(z.object({ value: z.string() }))`SELECT value FROM settings WHERE key = ${key}`,
  );
  return row.value;
}

describe('settings API', () => {
  it('lists every setting with sensitive values masked', async () => {
    await talon.settings.set('github.token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    const response = await talon.app.inject({
      method: 'GET',
      url: '/api/settings',
      headers: session.headers,
    });
    expect(response.statusCode).toBe(200);
    const settings = response.json<{ settings: SettingView[] }>().settings;
    expect(settings.find((s) => s.key === 'auth.rate_limit.max_attempts')).toMatchObject({ value: '5' });
    expect(settings.find((s) => s.key === 'github.token')).toMatchObject({
      value: 'ghp_********6789',
      sensitive: true,
      hasValue: true,
    });
    expect(response.body).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('sets a value; a sensitive one is encrypted and never echoed', async () => {
    const response = await put('llm.anthropic_api_key', { value: 'sk-ant-0123456789abcdef' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      setting: { key: 'llm.anthropic_api_key', value: 'sk-a********cdef' },
    });
    expect(response.body).not.toContain('sk-ant-0123456789abcdef');
    expect(await stored('llm.anthropic_api_key')).toMatch(/^enc:/);
    expect(talon.settings.getString('llm.anthropic_api_key')).toBe('sk-ant-0123456789abcdef');
  });

  it('keeps a secret when the form submits it empty, and empties it on an explicit clear', async () => {
    await put('llm.gemini_api_key', { value: 'AIzaSy-secret-value-1234' });
    const kept = await put('llm.gemini_api_key', { value: '' });
    expect(kept.statusCode).toBe(200);
    expect(talon.settings.getString('llm.gemini_api_key')).toBe('AIzaSy-secret-value-1234');
    const cleared = await put('llm.gemini_api_key', { clear: true });
    expect(cleared.json()).toMatchObject({ setting: { value: '', hasValue: false } });
    expect(talon.settings.getString('llm.gemini_api_key', 'fallback')).toBe('');
  });

  it('says what is wrong with a bad request', async () => {
    const unknown = await put('no.such.setting', { value: 'x' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'setting_not_found' });
    const wrongType = await put('auth.rate_limit.max_attempts', { value: 'five' });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json()).toMatchObject({
      error: 'invalid_setting_value',
      message: expect.stringMatching(/whole number/),
    });
    const nothing = await put('github.watched_branches', {});
    expect(nothing.statusCode).toBe(400);
    const both = await put('github.watched_branches', { value: '1', clear: true });
    expect(both.statusCode).toBe(400);
    const objectValue = await put('github.watched_branches', { value: { nested: true } });
    expect(objectValue.statusCode).toBe(400);
    expect(objectValue.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a misspelt field by name instead of dropping it, and changes nothing', async () => {
    await put('github.watched_branches', { value: '1001' });
    const misspelt = await put('github.watched_branches', { value: '2002', clera: true });
    expect(misspelt.statusCode).toBe(400);
    expect(misspelt.json()).toEqual({
      error: 'invalid_request',
      message: 'Invalid request: body has an unknown field "clera"',
    });
    expect(await stored('github.watched_branches')).toBe('1001');
  });

  it('audits each change without its value', async () => {
    await put('github.watched_branches', { value: '987654321' });
    const [entry] = await talon.audit.recent({ action: 'settings.update', limit: 1 });
    expect(entry).toMatchObject({ actor: 'admin', target: 'github.watched_branches', outcome: 'succeeded' });
    expect(JSON.stringify(entry?.details)).not.toContain('987654321');
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request without a token, with a foreign token, or with a forged one', async () => {
    const other = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    const cases: [string, Record<string, string>][] = [
      ['no token', { cookie: session.cookie }],
      ['empty token', { cookie: session.cookie, 'x-csrf-token': '' }],
      ["another session's token", { cookie: session.cookie, 'x-csrf-token': other.csrfToken }],
      [
        'forged token',
        {
          cookie: session.cookie,
          'x-csrf-token': 'AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        },
      ],
      ['token with extra part', { cookie: session.cookie, 'x-csrf-token': `${session.csrfToken}.x` }],
    ];
    for (const [label, headers] of cases) {
      const response = await put('github.watched_branches', { value: 'changed' }, headers);
      expect(response.statusCode, label).toBe(403);
      expect(response.json(), label).toMatchObject({ error: 'csrf_invalid' });
    }
    expect(talon.settings.getString('telegram.chat_id')).not.toBe('changed');
    // A token in the body or a query string is not looked at.
    const inQuery = await talon.app.inject({
      method: 'PUT',
      url: `/api/settings/telegram.chat_id?_csrf=${encodeURIComponent(session.csrfToken)}`,
      headers: { cookie: session.cookie },
      payload: { value: 'changed' },
    });
    expect(inQuery.statusCode).toBe(403);
  });

  it('refuses a login POST without the token from GET /api/auth/session', async () => {
    const response = await talon.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { password: TEST_ADMIN_PASSWORD },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'csrf_invalid' });
  });

  it('accepts every token the session was given (tokens differ, the secret is the same)', async () => {
    const fresh = await talon.app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: { cookie: session.cookie },
    });
    const token = fresh.json<{ csrfToken: string }>().csrfToken;
    expect(token).not.toBe(session.csrfToken);
    expect(
      (
        await put(
          'github.watched_branches',
          { value: '1' },
          { cookie: session.cookie, 'x-csrf-token': token },
        )
      ).statusCode,
    ).toBe(200);
    expect((await put('github.watched_branches', { value: '2' })).statusCode).toBe(200);
  });
});

describe('headers and bodies', () => {
  it('sends a strict Content-Security-Policy and the other helmet headers', async () => {
    const response = await talon.app.inject({ method: 'GET', url: '/api/auth/session' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|data:/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['strict-transport-security']).toBeDefined();
  });

  it('tells caches not to keep API answers', async () => {
    const settings = await talon.app.inject({
      method: 'GET',
      url: '/api/settings',
      headers: session.headers,
    });
    expect(settings.headers['cache-control']).toBe('no-store');
    const denied = await talon.app.inject({ method: 'GET', url: '/api/settings' });
    expect(denied.headers['cache-control']).toBe('no-store');
  });

  it('limits each client to 600 requests a minute across all routes', async () => {
    const statuses: number[] = [];
    // One after another: the limiter's in-memory store reports a shared counter to concurrent requests.
    for (let i = 0; i < 601; i++) {
      const response = await talon.app.inject({
        method: 'GET',
        url: '/health',
        remoteAddress: '192.0.2.250',
      });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) {
        expect(response.json()).toMatchObject({
          error: 'rate_limited',
          retryAfterSeconds: expect.any(Number),
        });
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, 600).every((status) => status === 200)).toBe(true);
    expect(statuses[600]).toBe(429);
    // Another client is not affected.
    expect(
      (await talon.app.inject({ method: 'GET', url: '/health', remoteAddress: '192.0.2.251' })).statusCode,
    ).toBe(200);
  });

  it('takes JSON only: text/plain and form bodies get 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await talon.app.inject({
        method: 'PUT',
        url: '/api/settings/telegram.chat_id',
        headers: { ...session.headers, 'content-type': type },
        payload: '{"value":"x"}',
      });
      expect(response.statusCode, type).toBe(415);
    }
  });

  it('caps the login body at 4 KiB and other bodies at 1 MiB', async () => {
    const anonymous = await anonymousSession(talon.app);
    const login = await talon.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: anonymous.headers,
      payload: { password: 'x'.repeat(5000) },
    });
    expect(login.statusCode).toBe(413);
    const big = await put('github.watched_branches', { value: 'x'.repeat(1_100_000) });
    expect(big.statusCode).toBe(413);
  });
});

describe('dashboard and metrics', () => {
  it('the dashboard shows version, uptime, database status and recent audit entries', async () => {
    const response = await talon.app.inject({
      method: 'GET',
      url: '/api/dashboard',
      headers: session.headers,
    });
    const body = response.json<{ recentAudit: { action: string; at: string; id: number }[] }>();
    expect(body).toMatchObject({
      version: expect.any(String),
      uptimeSeconds: expect.any(Number),
      db: 'connected',
    });
    expect(body.recentAudit.length).toBeGreaterThan(0);
    expect(body.recentAudit[0]).toMatchObject({
      id: expect.any(Number),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(body.recentAudit.map((entry) => entry.action)).toContain('auth.login');
  });

  it('/metrics reports process and database figures to the admin', async () => {
    const response = await talon.app.inject({ method: 'GET', url: '/metrics', headers: session.headers });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      system: {
        uptimeSeconds: expect.any(Number),
        memoryBytes: { rss: expect.any(Number) },
        pid: process.pid,
      },
      database: { status: 'connected', sizeBytes: expect.any(Number), connections: expect.any(Number) },
      auth: { openSessions: expect.any(Number) },
    });
  });
});
