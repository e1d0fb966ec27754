import { isIP } from 'node:net';
import { LlmError } from './errors.ts';

/** True for an address on the owner's machine or local network: loopback, private, link-local, `.local`. */
export function isOwnNetworkHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  if (isIP(host) === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (isIP(host) === 6) {
    return host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith('::ffff:127.');
  }
  return false;
}

/**
 * A provider's base URL: http(s) only, no credentials in it, and plain http only to the owner's own
 * machines or network (a key and prompts sent in clear over the internet are not sent at all).
 */
export function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LlmError('llm_provider_invalid', `The base URL "${value.slice(0, 200)}" is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LlmError(
      'llm_provider_invalid',
      'The base URL must start with https:// (or http:// on your own network)',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new LlmError('llm_provider_invalid', 'Put the key in the key field, not in the base URL');
  }
  if (url.protocol === 'http:' && !isOwnNetworkHost(url.hostname)) {
    throw new LlmError(
      'llm_provider_invalid',
      `Plain http:// is only allowed to your own machine or network; use https:// for ${url.hostname}`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new LlmError('llm_provider_invalid', 'The base URL must not have a query or a fragment');
  }
  return url.toString().replace(/\/+$/, '');
}
