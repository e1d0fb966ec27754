import type { LoadSkillRequest, SkillGrants } from './api/client.ts';

/** A plain copy (props are reactive proxies, which structuredClone refuses). */
export function copyGrants(grants: SkillGrants | undefined): SkillGrants {
  return {
    permissions: [...(grants?.permissions ?? [])],
    net: [...(grants?.net ?? [])],
    secrets: [...(grants?.secrets ?? [])],
    invokes: [...(grants?.invokes ?? [])],
  };
}

/** Grants as a load or an upload sends them (the request schema lists the permissions by name). */
export type GrantsRequest = NonNullable<LoadSkillRequest['grants']>;

/**
 * The grants the owner ticked, as a request carries them. Each permission was offered from a
 * manifest the server validated, and the server refuses any permission not in its table.
 */
export function grantsRequest(grants: SkillGrants): GrantsRequest {
  return copyGrants(grants) as GrantsRequest;
}

/**
 * A grant the approval screens show in red: the `net` entry `*` lets the skill reach any public host
 * on the internet (never the owner's own machine or network), so whatever it reads can leave with it.
 */
export function isWideGrant(dimension: keyof SkillGrants, item: string): boolean {
  return dimension === 'net' && item === '*';
}

/** What the owner reads beside a wide grant. */
export const ANY_PUBLIC_HOST_WARNING = 'any public host on the internet (never your own machine or network)';
