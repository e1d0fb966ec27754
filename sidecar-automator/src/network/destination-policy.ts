import { BlockList, isIP } from 'node:net';
import { isAllowedByNet, isNonPublicAddress } from '@talon/skill-runtime/api/net-policy.ts';

/** Decides where the browser may connect. Host checks come before DNS; address checks after it. */
export interface DestinationPolicy {
  /** Why the browser may not reach `host:port`, or undefined when it may. */
  refuseHost(host: string, port: number): string | undefined;
  /** Why the browser may not connect to `address` (resolved from `host`), or undefined when it may. */
  refuseAddress(host: string, address: string): string | undefined;
}

/** A BlockList of the given IPs and CIDR ranges (entries are validated by parseRecipe or the route schema). */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) === 0) continue;
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

function privateAddressRefusal(host: string, address: string, allowed: BlockList): string | undefined {
  if (!isNonPublicAddress(address)) return undefined;
  if (allowed.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')) return undefined;
  const where = host === address ? address : `${host} resolves to ${address}, which`;
  return `${where} is a private or loopback address that is not in allowedPrivateAddresses`;
}

/**
 * A recipe's rules: hosts on `allowedDomains` only (the same matching as a skill's `net`: exact host
 * or `*.example.com`, `:port` for a non-default port; a tunnel may be for http or https, so an entry
 * without a port allows 80 and 443), and private addresses only when `allowedPrivateAddresses` lists them.
 */
export function recipeDestinationPolicy(recipe: {
  allowedDomains: readonly string[];
  allowedPrivateAddresses: readonly string[];
}): DestinationPolicy {
  const allowedPrivate = addressList(recipe.allowedPrivateAddresses);
  return {
    refuseHost(host, port) {
      const literal = isIP(host) === 6 ? `[${host}]` : host;
      const reachable = ['http', 'https'].some((scheme) =>
        isAllowedByNet(new URL(`${scheme}://${literal}:${port}`), recipe.allowedDomains),
      );
      return reachable ? undefined : `${literal}:${port} is not on the recipe's allowlist (allowedDomains)`;
    },
    refuseAddress: (host, address) => privateAddressRefusal(host, address, allowedPrivate),
  };
}

/**
 * While recording the owner may browse anywhere public (the hosts visited become the recipe's
 * allowlist); private addresses only where the owner pointed the recording (its start URL's
 * addresses) or listed them when starting it.
 */
export function recordingDestinationPolicy(allowedPrivateAddresses: readonly string[]): DestinationPolicy {
  const allowedPrivate = addressList(allowedPrivateAddresses);
  return {
    refuseHost: () => undefined,
    refuseAddress: (host, address) => privateAddressRefusal(host, address, allowedPrivate),
  };
}
