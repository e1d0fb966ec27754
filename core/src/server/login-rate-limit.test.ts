import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { anonymousSession, loginAsAdmin } from '../testing/admin-session.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../testing/test-app.ts';

let database: TestDatabase;
let talon: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  talon = await createTestApp({ database });
});
afterAll(async () => {
  await talon?.close();
  await database?.drop();
});
beforeEach(async () => {
  await database.pool.query(sql.unsafe`DELETE FROM login_failures`);
  await database.pool.query(sql.unsafe`DELETE FROM login_blocks`);
  // The global budget (login-budget.test.ts) would slow these per-address tests down.
  await database.pool.query(sql.unsafe`DELETE FROM login_budget_attempts`);
  await talon.settings.set('auth.rate_limit.max_attempts', 5);
  await talon.settings.set('auth.rate_limit.window_seconds', 300);
  await talon.settings.set('auth.rate_limit.block_duration_seconds', 900);
  await talon.settings.set('auth.trust_proxy_headers', false);
});

async function attempt(
  app: TestApp['app'],
  password: string,
  options: { remoteAddress?: string; headers?: Record<string, string> } = {},
) {
  const anonymous = await anonymousSession(app);
  return app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: { ...anonymous.headers, ...options.headers },
    payload: { password },
    remoteAddress: options.remoteAddress ?? '203.0.113.50',
  });
}

describe('login rate limiting', () => {
  it('applies a lowered max_attempts at once, without a restart', async () => {
    await talon.settings.set('auth.rate_limit.max_attempts', 2);
    expect((await attempt(talon.app, 'a')).statusCode).toBe(401);
    expect((await attempt(talon.app, 'b')).statusCode).toBe(401);
    expect((await attempt(talon.app, TEST_ADMIN_PASSWORD)).statusCode).toBe(429);
  });

  it('applies the block duration setting', async () => {
    await talon.settings.set('auth.rate_limit.block_duration_seconds', 120);
    for (let i = 0; i < 5; i++) await attempt(talon.app, `wrong ${i}`);
    const blocked = await attempt(talon.app, 'wrong');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(120);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(100);
    expect(blocked.json<{ message: string }>().message).toMatch(/in 2 minutes/);
  });

  it('counts only failures inside window_seconds (AlexClaw never reads the window)', async () => {
    for (let i = 0; i < 4; i++) expect((await attempt(talon.app, `wrong ${i}`)).statusCode).toBe(401);
    // Those four are now 10 minutes old: outside the 5-minute window.
    await database.pool.query(sql.unsafe`UPDATE login_failures SET at = at - interval '10 minutes'`);
    for (let i = 0; i < 4; i++) expect((await attempt(talon.app, `again ${i}`)).statusCode).toBe(401);
    expect((await attempt(talon.app, TEST_ADMIN_PASSWORD)).statusCode).toBe(200);
    // With a 1-hour window the same history would have blocked.
    for (let i = 0; i < 4; i++) await attempt(talon.app, `wrong ${i}`);
    await database.pool.query(sql.unsafe`UPDATE login_failures SET at = at - interval '10 minutes'`);
    await talon.settings.set('auth.rate_limit.window_seconds', 3600);
    await attempt(talon.app, 'one more');
    expect((await attempt(talon.app, TEST_ADMIN_PASSWORD)).statusCode).toBe(429);
  });

  it('lets the address in again once the block has expired', async () => {
    for (let i = 0; i < 5; i++) await attempt(talon.app, `wrong ${i}`);
    expect((await attempt(talon.app, TEST_ADMIN_PASSWORD)).statusCode).toBe(429);
    await database.pool.query(
      sql.unsafe`UPDATE login_blocks SET blocked_until = now() - interval '1 second'`,
    );
    expect((await attempt(talon.app, TEST_ADMIN_PASSWORD)).statusCode).toBe(200);
  });

  it('keeps the block and the count across a restart (a new app on the same database)', async () => {
    for (let i = 0; i < 5; i++) await attempt(talon.app, `wrong ${i}`);
    for (let i = 0; i < 3; i++) await attempt(talon.app, `other ${i}`, { remoteAddress: '198.51.100.77' });
    await talon.close();
    talon = await createTestApp({ database });
    expect((await attempt(talon.app, TEST_ADMIN_PASSWORD)).statusCode).toBe(429);
    // The other address still has its 3 failures: 2 more and it is blocked too.
    for (let i = 0; i < 2; i++) {
      expect((await attempt(talon.app, `more ${i}`, { remoteAddress: '198.51.100.77' })).statusCode).toBe(
        401,
      );
    }
    expect(
      (await attempt(talon.app, TEST_ADMIN_PASSWORD, { remoteAddress: '198.51.100.77' })).statusCode,
    ).toBe(429);
  });

  it('ignores X-Forwarded-For unless auth.trust_proxy_headers is on, then uses the proxy-added entry', async () => {
    for (let i = 0; i < 5; i++) {
      await attempt(talon.app, `wrong ${i}`, { headers: { 'x-forwarded-for': `10.0.0.${i}` } });
    }
    // Rotating the header did not help: the socket address is blocked.
    expect(
      (await attempt(talon.app, TEST_ADMIN_PASSWORD, { headers: { 'x-forwarded-for': '10.0.0.99' } }))
        .statusCode,
    ).toBe(429);

    await talon.settings.set('auth.trust_proxy_headers', true);
    const viaProxy = (client: string, spoofed?: string) => ({
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': spoofed ? `${spoofed}, ${client}` : client },
    });
    for (let i = 0; i < 5; i++) await attempt(talon.app, `wrong ${i}`, viaProxy('192.0.2.10', `1.1.1.${i}`));
    // The client's own left-hand entries do not give it a fresh address.
    expect(
      (await attempt(talon.app, TEST_ADMIN_PASSWORD, viaProxy('192.0.2.10', '8.8.8.8'))).statusCode,
    ).toBe(429);
    // Another client behind the same proxy is not blocked.
    expect((await attempt(talon.app, TEST_ADMIN_PASSWORD, viaProxy('192.0.2.11'))).statusCode).toBe(200);
  });

  it('counts parallel guesses one by one: 20 at once get at most 5 answers of 401', async () => {
    const anonymous = await anonymousSession(talon.app);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        talon.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          headers: anonymous.headers,
          payload: { password: `guess ${i}` },
          remoteAddress: '203.0.113.99',
        }),
      ),
    );
    const codes = responses.map((response) => response.statusCode);
    expect(codes.filter((code) => code === 401)).toHaveLength(5);
    expect(codes.filter((code) => code === 429)).toHaveLength(15);
  });

  it('audits failures, the block and successes, with the address', async () => {
    for (let i = 0; i < 5; i++) await attempt(talon.app, `wrong ${i}`, { remoteAddress: '203.0.113.123' });
    await attempt(talon.app, 'blocked', { remoteAddress: '203.0.113.123' });
    await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD, { remoteAddress: '203.0.113.124' });
    const entries = await talon.audit.recent({ action: 'auth.login', limit: 10 });
    expect(entries.filter((e) => e.source === '203.0.113.123' && e.outcome === 'failed')).toHaveLength(5);
    expect(entries.find((e) => e.source === '203.0.113.123' && e.outcome === 'denied')).toMatchObject({
      reason: 'rate_limited',
    });
    expect(entries[0]).toMatchObject({ outcome: 'succeeded', source: '203.0.113.124' });
    // The submitted passwords are never written anywhere in the entries.
    expect(JSON.stringify(entries.map((e) => [e.reason, e.details]))).not.toContain('wrong');
  });
});

describe('ADMIN_PASSWORD not set', () => {
  it('says so plainly, lets nobody in, and counts nothing against the address', async () => {
    const locked = await createTestApp({ adminPassword: null });
    try {
      const status = await locked.app.inject({ method: 'GET', url: '/api/auth/session' });
      expect(status.json()).toMatchObject({ authenticated: false, adminPasswordSet: false });
      for (const password of ['', 'anything', TEST_ADMIN_PASSWORD, 'x'.repeat(1024)]) {
        for (let i = 0; i < 2; i++) {
          const response = await attempt(locked.app, password);
          expect(response.statusCode).toBe(401);
          expect(response.json()).toEqual({
            error: 'admin_password_not_set',
            message: 'ADMIN_PASSWORD is not set: set it in the environment and restart Talon',
          });
        }
      }
    } finally {
      await locked.close();
    }
  });
});
