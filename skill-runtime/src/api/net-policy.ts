import { BlockList, isIP } from 'node:net';
import { readBoolean, type SettingsReader } from '../ports.ts';
import { SkillApiError } from './api-error.ts';

/** What the owner allows beyond the defaults; both off unless set explicitly (tests use loopback). */
export interface NetworkPolicy {
  /** Loopback, private, link-local and other non-public addresses. */
  allowPrivateAddresses: boolean;
  /** Plain `http:` as well as `https:`. */
  allowPlainHttp: boolean;
}

export const DEFAULT_NETWORK_POLICY: NetworkPolicy = { allowPrivateAddresses: false, allowPlainHttp: false };

/** The owner's opt-ins (settings `skills.http.*`), read when asked so a change applies at once. */
export function ownerNetworkPolicy(settings: SettingsReader): NetworkPolicy {
  return {
    allowPrivateAddresses: readBoolean(settings, 'skills.http.allow_private_addresses', false),
    allowPlainHttp: readBoolean(settings, 'skills.http.allow_plain_http', false),
  };
}

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // Unspecified, loopback, and IPv4-compatible `::a.b.c.d` (deprecated; `::127.0.0.1` is loopback).
  ['::', 96],
  // NAT64, well-known and local-use: `64:ff9b::7f00:1` reaches 127.0.0.1 through a translator.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // Teredo and 6to4 embed an IPv4 address (6to4's `2002:c0a8:0101::` is 192.168.1.1); both are
  // tunnels no public service needs, so none of them is reachable.
  ['2001::', 32],
  ['2002::', 16],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  // Site-local (deprecated, but still routed by some networks).
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/**
 * True for loopback, private, link-local, CGNAT, documentation and multicast addresses, and for every
 * IPv6 form that carries an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo). Addresses come
 * here in canonical form: URL parsing turns `2130706433`, `0x7f.1` and `0177.0.0.1` into
 * `127.0.0.1`, and DNS answers are canonical.
 */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // IPv4-mapped IPv6 (`::ffff:7f00:1` is 127.0.0.1): no public service needs it, so never reachable.
  if (family === 6 && /^(0{0,4}:){0,5}:?ffff:/i.test(address)) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/**
 * The `net` entry that means any public host (on the scheme's default port). It never reaches a
 * loopback, private or link-local address, whatever the owner's opt-in: the opt-in widens only the
 * entries that name a host.
 */
export const ANY_PUBLIC_HOST = '*';

/**
 * Whether `url` is on the allowlist (`net` of the grants): exact host names, or `*.example.com`
 * for its sub-domains; an entry with `:port` allows that port, one without only the default port.
 * `*` is not matched here (see `netReach`).
 */
export function isAllowedByNet(url: URL, net: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || defaultPort(url.protocol);
  return net.some((entry) => {
    if (entry === ANY_PUBLIC_HOST) return false;
    const [pattern = '', entryPort] = entry.toLowerCase().split(/:(?=\d+$)/);
    if ((entryPort ?? defaultPort(url.protocol)) !== port) return false;
    if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
    return host === pattern;
  });
}

/**
 * How `net` lets a skill reach `url`: by an entry that names its host (`named`), only through `*`
 * (`any_public`: public addresses only, whatever the owner's opt-in), or not at all.
 */
export function netReach(url: URL, net: readonly string[]): 'named' | 'any_public' | 'none' {
  if (isAllowedByNet(url, net)) return 'named';
  const onDefaultPort = url.port === '' || url.port === defaultPort(url.protocol);
  return net.includes(ANY_PUBLIC_HOST) && onDefaultPort ? 'any_public' : 'none';
}

/** What one hop may connect to, once its URL passed `checkDestination`. */
export interface DestinationClearance {
  /** Loopback, private and link-local addresses: only for a host `net` names, with the owner's opt-in. */
  privateAddresses: boolean;
}

/** Checks the scheme and the allowlist of a URL a skill (or a redirect) wants to reach. */
export function checkDestination(
  url: URL,
  net: readonly string[],
  policy: NetworkPolicy,
): DestinationClearance {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPlainHttp)) {
    throw new SkillApiError(
      'host_not_allowed',
      `http.fetch: only https URLs are allowed (got ${url.protocol})`,
    );
  }
  if (url.username || url.password) {
    throw new SkillApiError(
      'invalid_argument',
      'http.fetch: credentials in the URL are not allowed; use a secret handle',
    );
  }
  const reach = netReach(url, net);
  if (reach === 'none') {
    throw new SkillApiError(
      'host_not_allowed',
      `http.fetch: ${url.host} is not in this skill's net allowlist`,
    );
  }
  const privateAddresses = reach === 'named' && policy.allowPrivateAddresses;
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) !== 0 && isNonPublicAddress(literal) && !privateAddresses) {
    throw new SkillApiError(
      'host_not_allowed',
      reach === 'any_public'
        ? `http.fetch: ${literal} is a private or loopback address, and "*" reaches public hosts only`
        : `http.fetch: ${literal} is a private or loopback address`,
    );
  }
  return { privateAddresses };
}
