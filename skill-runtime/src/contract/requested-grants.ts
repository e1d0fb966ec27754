import type { SkillManifest } from './manifest.ts';
import type { SkillPermission } from './permission-table.ts';
import { isLegacySecretGrant, secretGrantOf } from './secret-bindings.ts';
import type { SkillGrants } from './wire-types.ts';

/** What a manifest asks for, in the shape of a grant (what approving it all would grant). */
export function requestedGrants(manifest: SkillManifest): SkillGrants {
  return {
    permissions: [...manifest.permissions].sort() as SkillPermission[],
    net: [...(manifest.net ?? [])].sort(),
    secrets: (manifest.secrets ?? []).map(secretGrantOf).sort(),
    invokes: [...(manifest.invokes ?? [])].sort(),
  };
}

/**
 * What an approval made before secrets were bound and invokes declared leaves switched off, in
 * words for the owner: nothing such an approval granted widens by itself, and nothing breaks —
 * those powers stay off until the skill says exactly what it needs and the owner approves it.
 */
export function reapprovalReasons(manifest: SkillManifest, grants: SkillGrants): string[] {
  const reasons: string[] = [];
  const bare = grants.secrets.filter(isLegacySecretGrant);
  if (bare.length > 0) {
    reasons.push(
      `${bare.join(', ')} ${bare.length === 1 ? 'was' : 'were'} approved before secrets were bound to their hosts: off until the skill binds ${bare.length === 1 ? 'it' : 'them'} and you approve the binding`,
    );
  }
  if (grants.permissions.includes('skills.invoke') && (manifest.invokes ?? []).length === 0) {
    reasons.push(
      'skills.invoke was approved before skills declared which skills they invoke: off until the skill lists them ("invokes") and you approve them',
    );
  }
  return reasons;
}
