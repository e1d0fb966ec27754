/**
 * The rules of who may do what along a `skills.invoke` chain, shared by the host's runtime and
 * `talon-skill run` so a chain ends the same way in both.
 */
import { CORE_ONLY_PERMISSIONS } from '../contract/permission-table.ts';
import type { SkillGrants, SkillKind, SkillManifest } from '../contract/runtime-contract.ts';
import { SkillApiError } from '../api/api-error.ts';

function intersect<T extends string>(left: readonly T[], right: readonly string[]): T[] {
  return left.filter((item) => right.includes(item));
}

/** Never more than the manifest asks for; core-only permissions only for core skills. */
export function effectiveGrants(pkg: {
  manifest: SkillManifest;
  grants: SkillGrants;
  kind: SkillKind;
}): SkillGrants {
  const permissions = intersect(pkg.grants.permissions, pkg.manifest.permissions).filter(
    (permission) => pkg.kind === 'core' || !CORE_ONLY_PERMISSIONS.includes(permission),
  );
  return {
    permissions,
    net: intersect(pkg.grants.net, pkg.manifest.net ?? []),
    secrets: intersect(pkg.grants.secrets, pkg.manifest.secrets ?? []),
  };
}

/** A callee runs with its own grants ∩ its caller's: invoking a skill never widens what a run may do. */
export function narrowGrants(grants: SkillGrants, caller: SkillGrants | undefined): SkillGrants {
  if (!caller) return grants;
  return {
    permissions: intersect(grants.permissions, caller.permissions),
    net: intersect(grants.net, caller.net),
    secrets: intersect(grants.secrets, caller.secrets),
  };
}

/** The depth of a nested call from a caller at `callerDepth`; deeper than `maxDepth` is refused. */
export function calleeDepth(callerDepth: number, maxDepth: number): number {
  const depth = callerDepth + 1;
  if (depth > maxDepth) {
    throw new SkillApiError(
      'permission_denied',
      `skills.invoke: chain depth ${depth} exceeds the maximum of ${maxDepth}`,
    );
  }
  return depth;
}
