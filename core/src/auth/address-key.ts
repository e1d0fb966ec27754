import { isIPv4, isIPv6 } from 'node:net';

/**
 * The prefix length one IPv6 customer gets at the least (RFC 6177: a /64 per subnet, usually a
 * /56 or /48 per site), so an attacker picks a fresh address inside it for every guess for free.
 */
export const IPV6_COUNTED_PREFIX_BITS = 64;

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail becomes the last two). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const ipv4Tail = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (ipv4Tail) {
    const octets = ipv4Tail[1]!.split('.').map(Number);
    const high = ((octets[0]! << 8) | octets[1]!).toString(16);
    const low = ((octets[2]! << 8) | octets[3]!).toString(16);
    text = `${text.slice(0, ipv4Tail.index)}:${high}:${low}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array<number>(Math.max(0, missing)).fill(0), ...tail];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff)
    ? groups
    : undefined;
}

/**
 * What failed logins and wrong 2FA codes are counted by: an IPv4 address as it is, an IPv6 address
 * by its /64 (an IPv4-mapped one, `::ffff:a.b.c.d`, as the IPv4 address it is). Anything else (no
 * address at all, a malformed proxy header) is counted under its own text, so it still has a limit.
 */
export function addressKey(address: string): string {
  const bare = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names an interface, not a host
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  if (!groups) return address;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  const kept = groups.slice(0, IPV6_COUNTED_PREFIX_BITS / 16).map((group) => group.toString(16));
  return `${kept.join(':')}::/${IPV6_COUNTED_PREFIX_BITS}`;
}
