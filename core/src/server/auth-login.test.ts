import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { anonymousSession, loginAsAdmin, sessionCookieFrom } from '../testing/admin-session.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../testing/test-app.ts';

let talon: TestApp;

beforeAll(async () => {
  talon = await createTestApp();
});
afterAll(async () => {
  await talon?.close();
});
beforeEach(async () => {
  await talon.database.pool.query(sql.unsafe`DELETE FROM login_failures`);
  await talon.database.pool.query(sql.unsafe`DELETE FROM login_blocks`);
});

async function attempt(password: string, remoteAddress = '203.0.113.7') {
  const anonymous = await anonymousSession(talon.app);
  return talon.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: anonymous.headers,
    payload: { password },
    remoteAddress,
  });
}

describe('login', () => {
  it('hands out a CSRF token before login and says the password is set', async () => {
    const response = await talon.app.inject({ method: 'GET', url: '/api/auth/session' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      authenticated: false,
      adminPasswordSet: true,
      csrfToken: expect.any(String),
    });
    const cookie = response.cookies.find((c) => c.name === 'talon_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.secure).toBeFalsy();
  });

  it('logs in with the right password, rotates the session and reports it authenticated', async () => {
    const anonymous = await anonymousSession(talon.app);
    const response = await talon.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: anonymous.headers,
      payload: { password: TEST_ADMIN_PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ authenticated: boolean; csrfToken: string }>();
    expect(body.authenticated).toBe(true);
    expect(body.csrfToken).not.toBe(anonymous.csrfToken);
    const rotated = sessionCookieFrom(response);
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(anonymous.cookie);
    const status = await talon.app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: { cookie: rotated! },
    });
    expect(status.json()).toMatchObject({
      authenticated: true,
      totpEnrolled: false,
      expiresAt: expect.any(String),
    });
    // The pre-login CSRF token does not carry over to the new session.
    const withOldToken = await talon.app.inject({
      method: 'PUT',
      url: '/api/settings/telegram.chat_id',
      headers: { cookie: rotated!, 'x-csrf-token': anonymous.csrfToken },
      payload: { value: '42' },
    });
    expect(withOldToken.statusCode).toBe(403);
    expect(withOldToken.json()).toMatchObject({ error: 'csrf_invalid' });
  });

  it('refuses a wrong password with 401 invalid_password', async () => {
    const response = await attempt('wrong');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'invalid_password', message: 'Invalid password' });
  });

  it('gives the 6th failed login within the window 429 with Retry-After, even with the right password', async () => {
    for (let i = 1; i <= 5; i++) expect((await attempt(`wrong ${i}`)).statusCode).toBe(401);
    const sixth = await attempt(TEST_ADMIN_PASSWORD);
    expect(sixth.statusCode).toBe(429);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(890);
    expect(sixth.json()).toMatchObject({ error: 'rate_limited', retryAfterSeconds: expect.any(Number) });
    expect(sixth.json<{ message: string }>().message).toMatch(/try again in 15 minutes/);
    // Another address is not affected.
    expect((await attempt(TEST_ADMIN_PASSWORD, '198.51.100.9')).statusCode).toBe(200);
  });

  it('a success resets the count', async () => {
    for (let i = 1; i <= 4; i++) expect((await attempt(`wrong ${i}`)).statusCode).toBe(401);
    expect((await attempt(TEST_ADMIN_PASSWORD)).statusCode).toBe(200);
    for (let i = 1; i <= 4; i++) expect((await attempt(`wrong again ${i}`)).statusCode).toBe(401);
    expect((await attempt(TEST_ADMIN_PASSWORD)).statusCode).toBe(200);
  });

  it('can log in through the helper', async () => {
    const session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    const dashboard = await talon.app.inject({
      method: 'GET',
      url: '/api/dashboard',
      headers: session.headers,
    });
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.json()).toMatchObject({ db: 'connected', recentAudit: expect.any(Array) });
  });
});
