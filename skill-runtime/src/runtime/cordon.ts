/**
 * Which skills may share a worker process (sandbox/placement.ts): those whose powers each could be
 * given anyway — the same origin and identical grants. A skill that could do much harm for a
 * neighbour's sake never shares: one holding `shell`, `automation` or any secret, one that reaches a
 * private or loopback host by name, and an `external` one (it handles hostile content all day).
 */
import { isIP } from 'node:net';
import type { SkillGrants, SkillKind, SkillManifest } from '../contract/runtime-contract.ts';
import { isNonPublicAddress } from '../api/net-policy.ts';

const NEVER_SHARED: ReadonlySet<string> = new Set(['shell', 'automation', 'secrets']);

function reachesPrivateHost(net: readonly string[]): boolean {
  return net.some((entry) => {
    // A bare IPv6 literal ends in digits that are not a port (manifests allow no IPv6 today).
    const host = isIP(entry) !== 0 ? entry : entry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return (
      host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isNonPublicAddress(host))
    );
  });
}

/** The cordon key of a skill, or undefined when it must have a worker of its own. */
export function cordonOf(kind: SkillKind, manifest: SkillManifest, grants: SkillGrants): string | undefined {
  if (manifest.external === true) return undefined;
  if (grants.permissions.some((permission) => NEVER_SHARED.has(permission))) return undefined;
  if (grants.secrets.length > 0 || reachesPrivateHost(grants.net)) return undefined;
  const sorted = (items: readonly string[]): string => [...items].sort().join(',');
  return [kind, sorted(grants.permissions), sorted(grants.net), sorted(grants.invokes)].join('|');
}
