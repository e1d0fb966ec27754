import type { FastifyRequest } from 'fastify';
import type { SettingsStore } from '../../settings/store.ts';

/** Addresses are stored and compared as text; anything longer is not an address. */
const MAX_ADDRESS_LENGTH = 64;

function trustsProxy(settings: SettingsStore): boolean {
  return settings.getBoolean('auth.trust_proxy_headers', false);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/**
 * The client's address: the socket peer, or, only when `auth.trust_proxy_headers` is on, the
 * address the proxy appended to X-Forwarded-For. That is the right-most entry: the entries to its
 * left were sent by the client and are whatever it wants them to be (AlexClaw takes the left-most,
 * so a client behind the proxy can pick a fresh address for every guess).
 */
export function clientAddress(request: FastifyRequest, settings: SettingsStore): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (!trustsProxy(settings)) return peer;
  const forwarded = firstHeader(request.headers['x-forwarded-for']);
  const entries = (forwarded ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const last = entries[entries.length - 1];
  return last === undefined ? peer : last.slice(0, MAX_ADDRESS_LENGTH);
}

/** TLS on the socket, or, when proxy headers are trusted, `X-Forwarded-Proto: https`. */
export function isSecureRequest(request: FastifyRequest, settings: SettingsStore): boolean {
  if ('encrypted' in request.socket && request.socket.encrypted === true) return true;
  if (!trustsProxy(settings)) return false;
  const proto = firstHeader(request.headers['x-forwarded-proto']);
  return proto?.split(',').pop()?.trim().toLowerCase() === 'https';
}
