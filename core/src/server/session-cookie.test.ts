import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { loginAsAdmin, sessionCookieFrom, type AdminSession } from '../testing/admin-session.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../testing/test-app.ts';
import { SESSION_COOKIE_NAME } from './security/session-cookie.ts';

let talon: TestApp;

beforeAll(async () => {
  talon = await createTestApp();
});
afterAll(async () => {
  await talon?.close();
});

function dashboard(cookie: string) {
  return talon.app.inject({ method: 'GET', url: '/api/dashboard', headers: { cookie } });
}

/** The cookie value (URL-encoded `ciphertext;nonce`) decoded into its two base64 parts. */
function cookieParts(session: AdminSession): { ciphertext: Buffer; nonce: Buffer } {
  const [ciphertext, nonce] = decodeURIComponent(session.cookie.slice(SESSION_COOKIE_NAME.length + 1)).split(
    ';',
  );
  return { ciphertext: Buffer.from(ciphertext!, 'base64'), nonce: Buffer.from(nonce!, 'base64') };
}

function cookieFrom(ciphertext: Buffer, nonce: Buffer): string {
  return `${SESSION_COOKIE_NAME}=${encodeURIComponent(`${ciphertext.toString('base64')};${nonce.toString('base64')}`)}`;
}

describe('session cookies', () => {
  it('a valid session opens the dashboard', async () => {
    const session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    expect((await dashboard(session.cookie)).statusCode).toBe(200);
  });

  it('refuses a forged cookie', async () => {
    const forged = cookieFrom(Buffer.alloc(80, 7), Buffer.alloc(24, 1));
    expect((await dashboard(forged)).statusCode).toBe(401);
    expect((await dashboard(`${SESSION_COOKIE_NAME}=authenticated%3Dtrue`)).statusCode).toBe(401);
    expect((await dashboard(`${SESSION_COOKIE_NAME}=`)).statusCode).toBe(401);
  });

  it('refuses a tampered cookie (one flipped bit)', async () => {
    const session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    const { ciphertext, nonce } = cookieParts(session);
    for (const index of [0, Math.floor(ciphertext.length / 2), ciphertext.length - 1]) {
      const tampered = Buffer.from(ciphertext);
      tampered[index]! ^= 0x01;
      expect((await dashboard(cookieFrom(tampered, nonce))).statusCode).toBe(401);
    }
    const otherNonce = Buffer.from(nonce);
    otherNonce[0]! ^= 0x01;
    expect((await dashboard(cookieFrom(ciphertext, otherNonce))).statusCode).toBe(401);
  });

  it('refuses a cookie made with another SECRET_KEY_BASE', async () => {
    const other = await createTestApp({ secretKeyBase: 'another-secret-key-base-also-long-enough-abcdefgh' });
    try {
      const foreign = await loginAsAdmin(other.app, TEST_ADMIN_PASSWORD);
      expect((await dashboard(foreign.cookie)).statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('refuses a session past its absolute lifetime, and the lifetime setting applies without a restart', async () => {
    const session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    // Two hours old and active a moment ago: inside the default 8 h.
    await talon.database.pool.query(sql.unsafe`
      UPDATE admin_sessions SET created_at = now() - interval '2 hours' WHERE ended_at IS NULL`);
    expect((await dashboard(session.cookie)).statusCode).toBe(200);
    await talon.settings.set('auth.session.lifetime_seconds', 3600);
    try {
      const expired = await dashboard(session.cookie);
      expect(expired.statusCode).toBe(401);
      // The dead session's cookie is emptied in the same response.
      expect(sessionCookieFrom(expired)).toBeDefined();
    } finally {
      await talon.settings.set('auth.session.lifetime_seconds', 28_800);
    }
    // Ended for good: restoring the setting does not bring it back.
    expect((await dashboard(session.cookie)).statusCode).toBe(401);
  });

  it('refuses a session idle for longer than the idle timeout; polling the status does not count as activity', async () => {
    const session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    await talon.database.pool.query(sql.unsafe`
      UPDATE admin_sessions SET last_seen_at = now() - interval '50 minutes' WHERE ended_at IS NULL`);
    const status = await talon.app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: { cookie: session.cookie },
    });
    expect(status.json()).toMatchObject({ authenticated: true });
    await talon.database.pool.query(sql.unsafe`
      UPDATE admin_sessions SET last_seen_at = last_seen_at - interval '11 minutes' WHERE ended_at IS NULL`);
    expect((await dashboard(session.cookie)).statusCode).toBe(401);
  });

  it('keeps an active session alive past the idle timeout', async () => {
    const session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    await talon.database.pool.query(sql.unsafe`
      UPDATE admin_sessions SET last_seen_at = now() - interval '59 minutes' WHERE ended_at IS NULL`);
    expect((await dashboard(session.cookie)).statusCode).toBe(200);
    await talon.database.pool.query(sql.unsafe`
      UPDATE admin_sessions SET created_at = created_at - interval '2 minutes' WHERE ended_at IS NULL`);
    expect((await dashboard(session.cookie)).statusCode).toBe(200);
  });

  it('logout is POST only, ends the session for good, and a copy of the old cookie no longer works', async () => {
    const session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    const getLogout = await talon.app.inject({
      method: 'GET',
      url: '/api/auth/logout',
      headers: session.headers,
    });
    expect(getLogout.statusCode).toBe(404);
    const withoutToken = await talon.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: session.cookie },
    });
    expect(withoutToken.statusCode).toBe(403);
    const logout = await talon.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: session.headers,
    });
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies.find((cookie) => cookie.name === SESSION_COOKIE_NAME)).toBeDefined();
    expect((await dashboard(session.cookie)).statusCode).toBe(401);
    const audit = await talon.audit.recent({ action: 'auth.logout' });
    expect(audit[0]).toMatchObject({ outcome: 'succeeded' });
  });

  it('answers 503 (not 401, and without dropping the cookie) when the session cannot be checked', async () => {
    const session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    await talon.database.pool.query(sql.unsafe`ALTER TABLE admin_sessions RENAME TO admin_sessions_away`);
    try {
      const response = await dashboard(session.cookie);
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ error: 'session_check_unavailable' });
      expect(sessionCookieFrom(response)).toBeUndefined();
      // Public routes still answer for themselves.
      const health = await talon.app.inject({
        method: 'GET',
        url: '/health',
        headers: { cookie: session.cookie },
      });
      expect(health.statusCode).toBe(200);
    } finally {
      await talon.database.pool.query(sql.unsafe`ALTER TABLE admin_sessions_away RENAME TO admin_sessions`);
    }
    expect((await dashboard(session.cookie)).statusCode).toBe(200);
  });

  it('marks the cookie Secure only when the request came over TLS or a trusted proxy says so', async () => {
    const viaProxy = { 'x-forwarded-proto': 'https' };
    const untrusted = await talon.app.inject({ method: 'GET', url: '/api/auth/session', headers: viaProxy });
    expect(untrusted.cookies[0]?.secure).toBeFalsy();
    await talon.settings.set('auth.trust_proxy_headers', true);
    try {
      const trusted = await talon.app.inject({ method: 'GET', url: '/api/auth/session', headers: viaProxy });
      expect(trusted.cookies[0]).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict' });
    } finally {
      await talon.settings.set('auth.trust_proxy_headers', false);
    }
  });
});
