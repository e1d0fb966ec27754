import type { SkillManifest } from './manifest.ts';
import type { SkillPermission } from './permission-table.ts';
import { secretGrantOf } from './secret-bindings.ts';
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
