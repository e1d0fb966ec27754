import type { SkillGrants } from './api/client.ts';

/** A plain copy (props are reactive proxies, which structuredClone refuses). */
export function copyGrants(grants: SkillGrants | undefined): SkillGrants {
  return {
    permissions: [...(grants?.permissions ?? [])],
    net: [...(grants?.net ?? [])],
    secrets: [...(grants?.secrets ?? [])],
  };
}
