import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import os from 'node:os';

/** Where an address can be reached from. */
export type AddressScope = 'loopback' | 'private' | 'public' | 'unspecified';

function ipv4Scope(address: string): AddressScope {
  const [a, b] = address.split('.').map(Number) as [number, number];
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  ) {
    return 'private';
  }
  return 'public';
}

/**
 * The scope of an IP address: loopback, private (RFC 1918, link-local, CGNAT, IPv6 unique-local and
 * link-local), the unspecified "every interface" address, or public. Undefined for a host name.
 */
export function ipScope(host: string): AddressScope | undefined {
  const address = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(address) === 4) return ipv4Scope(address);
  if (isIP(address) !== 6) return undefined;
  if (address === '::') return 'unspecified';
  if (address === '::1') return 'loopback';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return ipv4Scope(mapped[1]!);
  if (/^f[cd]/.test(address) || /^fe[89ab]/.test(address)) return 'private';
  return 'public';
}

/**
 * The scope of a host name or address: `localhost` is loopback; another name is looked up and
 * counts as its widest address (a name with one public address is public). Undefined when the
 * name does not resolve.
 */
export async function hostScope(host: string): Promise<AddressScope | undefined> {
  const direct = ipScope(host);
  if (direct !== undefined) return direct;
  const name = host.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  try {
    const addresses = await lookup(name, { all: true });
    return widestScope(addresses.map((entry) => ipScope(entry.address) ?? 'public'));
  } catch {
    return undefined;
  }
}

const WIDTH: Readonly<Record<AddressScope, number>> = { loopback: 0, private: 1, unspecified: 2, public: 3 };

export function widestScope(scopes: readonly AddressScope[]): AddressScope | undefined {
  return scopes.reduce<AddressScope | undefined>(
    (widest, scope) => (widest === undefined || WIDTH[scope] > WIDTH[widest] ? scope : widest),
    undefined,
  );
}

/** The widest scope among this machine's own addresses: what listening on every interface exposes. */
export function machineScope(interfaces = os.networkInterfaces()): AddressScope {
  const scopes = Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    .map((entry) => ipScope(entry.address) ?? 'public');
  return widestScope(scopes) ?? 'loopback';
}
