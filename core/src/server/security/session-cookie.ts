import { createHash } from 'node:crypto';
import fastifySecureSession from '@fastify/secure-session';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_SESSION_LIFETIME_SECONDS } from '../../auth/admin-sessions.ts';
import { deriveKey } from '../../crypto/settings-cipher.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { isSecureRequest } from './client-info.ts';

export const SESSION_COOKIE_NAME = 'talon_session';
/** Its own HKDF label: the session key is never the settings key. */
export const SESSION_KEY_INFO = 'Talon.Session';
/**
 * The cookie's own cryptographic expiry (secure-session refuses older cookies). The real limits,
 * the absolute lifetime and the idle timeout, are settings enforced server side (AdminSessions),
 * clamped to this.
 */
const COOKIE_CRYPTO_EXPIRY_SECONDS = MAX_SESSION_LIFETIME_SECONDS;

const SESSION_ID_FIELD = 'sid';

declare module '@fastify/secure-session' {
  interface SessionData {
    /** The admin session id (random); the server keeps only its hash. */
    sid: string;
    /** The CSRF secret tokens are made from; present before login too. */
    csrf: string;
  }
}

/**
 * The encrypted, authenticated session cookie (libsodium secretbox): HttpOnly, SameSite=Strict,
 * path /, no Max-Age (it ends with the browser), and Secure when the request came over TLS (or
 * the trusted proxy says so). A forged or tampered cookie decrypts to nothing: an empty session.
 */
export async function registerSessionCookie(
  app: FastifyInstance,
  secretKeyBase: string,
  settings: SettingsStore,
): Promise<void> {
  await app.register(fastifySecureSession, {
    key: deriveKey(secretKeyBase, SESSION_KEY_INFO),
    cookieName: SESSION_COOKIE_NAME,
    expiry: COOKIE_CRYPTO_EXPIRY_SECONDS,
    cookie: { path: '/', httpOnly: true, sameSite: 'strict' },
  });
  app.addHook('onRequest', async (request) => {
    request.session.options({
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: isSecureRequest(request, settings),
    });
  });
}

export function sessionIdOf(request: FastifyRequest): string | undefined {
  const value: unknown = request.session.get(SESSION_ID_FIELD);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * A stable, non-secret tag of the admin session (a labelled SHA-256 of its id, shortened; not the
 * sessions table's key): what wrong 2FA codes are counted by, so one session's guesses never lock
 * another out. Undefined without a session.
 */
export function sessionTag(request: FastifyRequest): string | undefined {
  const sessionId = sessionIdOf(request);
  if (sessionId === undefined) return undefined;
  return createHash('sha256')
    .update(`talon.session-tag:${sessionId}`, 'utf8')
    .digest('base64url')
    .slice(0, 22);
}

/** Rotation: the old cookie's contents (CSRF secret included) are dropped, a new id goes in. */
export function rotateSession(request: FastifyRequest, sessionId: string): void {
  request.session.regenerate();
  request.session.set(SESSION_ID_FIELD, sessionId);
}

/** Empties the session (the next response carries a cookie with nothing in it). */
export function clearSession(request: FastifyRequest): void {
  request.session.regenerate();
}
