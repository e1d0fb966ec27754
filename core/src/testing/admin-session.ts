import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql, type DatabasePool } from 'slonik';
import { totpCodeAt, TOTP_PERIOD_SECONDS } from '../auth/totp.ts';
import { SESSION_COOKIE_NAME } from '../server/security/session-cookie.ts';

export interface AdminSession {
  /** `talon_session=...`, ready for a `cookie` header. */
  cookie: string;
  csrfToken: string;
  /** `{ cookie, 'x-csrf-token' }` for `app.inject({ headers })`. */
  headers: { cookie: string; 'x-csrf-token': string };
}

/** The session cookie a response set, as `name=value`; undefined if it set none. */
export function sessionCookieFrom(response: LightMyRequestResponse): string | undefined {
  const header = response.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  // The raw `name=value` as sent (still URL-encoded: the value holds a `;`).
  return lines
    .map((line) => line.split(';', 1)[0]!)
    .find((pair) => pair.startsWith(`${SESSION_COOKIE_NAME}=`));
}

/** An anonymous visitor's cookie and CSRF token, as the login page gets them. */
export async function anonymousSession(app: FastifyInstance): Promise<AdminSession> {
  const response = await app.inject({ method: 'GET', url: '/api/auth/session' });
  if (response.statusCode !== 200) throw new Error(`GET /api/auth/session answered ${response.statusCode}`);
  const cookie = sessionCookieFrom(response);
  if (!cookie) throw new Error('GET /api/auth/session set no session cookie');
  const { csrfToken } = response.json<{ csrfToken: string }>();
  return { cookie, csrfToken, headers: { cookie, 'x-csrf-token': csrfToken } };
}

/**
 * Logs in through the real API (session status, then POST /api/auth/login with the CSRF token)
 * and returns what later requests need. Throws with the API's answer if the login fails.
 */
export async function loginAsAdmin(
  app: FastifyInstance,
  password: string,
  options: { remoteAddress?: string } = {},
): Promise<AdminSession> {
  const anonymous = await anonymousSession(app);
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: anonymous.headers,
    payload: { password },
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
  });
  if (response.statusCode !== 200) {
    throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  }
  const cookie = sessionCookieFrom(response);
  if (!cookie) throw new Error('login set no session cookie');
  const { csrfToken } = response.json<{ csrfToken: string }>();
  return { cookie, csrfToken, headers: { cookie, 'x-csrf-token': csrfToken } };
}

/** The TOTP code for now, or `stepsAhead` steps later (the host accepts ±1 step of drift). */
export async function totpCode(secret: string, stepsAhead = 0): Promise<string> {
  return totpCodeAt(secret, Date.now() / 1000 + stepsAhead * TOTP_PERIOD_SECONDS);
}

/** The code for the next 30-s step: still accepted now, and not a replay of the current step's code. */
export function nextStepTotpCode(secret: string): Promise<string> {
  return totpCode(secret, 1);
}

/**
 * Enrols 2FA through the real API (enrol, then confirm with the current code) and returns the
 * secret. The current step's code is then used: the next step-up needs `nextStepTotpCode`, or
 * call `forgetUsedTotpCodes` first.
 */
export async function enrolTotp(app: FastifyInstance, session: AdminSession): Promise<string> {
  const enrol = await app.inject({ method: 'POST', url: '/api/auth/totp/enrol', headers: session.headers });
  if (enrol.statusCode !== 200) throw new Error(`enrol failed: ${enrol.statusCode} ${enrol.body}`);
  const { secret } = enrol.json<{ secret: string }>();
  const confirm = await app.inject({
    method: 'POST',
    url: '/api/auth/totp/confirm',
    headers: session.headers,
    payload: { code: await totpCode(secret) },
  });
  if (confirm.statusCode !== 200) throw new Error(`confirm failed: ${confirm.statusCode} ${confirm.body}`);
  return secret;
}

/**
 * Test-only: forgets which time steps were used and the wrong codes, so a test can step up
 * several times without waiting 30 s between codes. Never call this outside tests.
 */
export async function forgetUsedTotpCodes(pool: DatabasePool): Promise<void> {
  await pool.query(sql.unsafe`DELETE FROM totp_replay_guard`);
  await pool.query(sql.unsafe`DELETE FROM totp_failures`);
}
