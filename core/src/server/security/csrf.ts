import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { TalonError } from '../../errors.ts';

export const CSRF_HEADER = 'x-csrf-token';
const CSRF_SECRET_FIELD = 'csrf';
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF tokens bound to the session: the session (an encrypted cookie another site can neither read
 * nor forge) holds a random secret; a token is a random salt and HMAC(secret, salt), so every token
 * differs but any of them proves the sender could read a response of this origin. Sent in the
 * `x-csrf-token` header, never in a form field or a cookie.
 */
function secretOf(request: FastifyRequest): string | undefined {
  const value: unknown = request.session.get(CSRF_SECRET_FIELD);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function sign(secret: string, salt: string): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'base64url')).update(salt, 'utf8').digest();
}

/** A token for this session, creating the session's secret when it has none yet. */
export function csrfTokenFor(request: FastifyRequest): string {
  let secret = secretOf(request);
  if (secret === undefined) {
    secret = randomBytes(32).toString('base64url');
    request.session.set(CSRF_SECRET_FIELD, secret);
  }
  const salt = randomBytes(12).toString('base64url');
  return `${salt}.${sign(secret, salt).toString('base64url')}`;
}

export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

export class CsrfError extends TalonError {
  constructor(message: string) {
    super('csrf_invalid', message, 403);
  }
}

/** Throws CsrfError unless the request carries a token made from this session's secret. */
export function verifyCsrf(request: FastifyRequest): void {
  const header = request.headers[CSRF_HEADER];
  const token = Array.isArray(header) ? undefined : header;
  if (token === undefined || token === '') {
    throw new CsrfError(
      `Missing CSRF token: send the csrfToken from GET /api/auth/session in the ${CSRF_HEADER} header`,
    );
  }
  const secret = secretOf(request);
  const [salt, mac, extra] = token.split('.');
  const valid =
    secret !== undefined &&
    salt !== undefined &&
    mac !== undefined &&
    extra === undefined &&
    salt.length > 0 &&
    safeEqual(Buffer.from(mac, 'base64url'), sign(secret, salt));
  if (!valid) {
    throw new CsrfError(
      'Invalid CSRF token: it does not belong to this session; fetch a new one from GET /api/auth/session',
    );
  }
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
