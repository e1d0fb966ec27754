/**
 * The rules of who may do what along a `skills.invoke` chain, shared by the host's runtime and
 * `talon-skill run` so a chain ends the same way in both.
 */
import { isSecretBinding, secretBindingKey } from '../contract/secret-bindings.ts';
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
  // A granted secret must be a binding the manifest still has (a bare legacy handle never is).
  const bindings = (pkg.manifest.secrets ?? []).filter(isSecretBinding).map(secretBindingKey);
  return {
    permissions,
    net: intersect(pkg.grants.net, pkg.manifest.net ?? []),
    secrets: intersect(pkg.grants.secrets, bindings),
    invokes: intersect(pkg.grants.invokes ?? [], pkg.manifest.invokes ?? []),
  };
}

/**
 * A callee runs with its own grants ∩ its caller's: invoking a skill never widens what a run may
 * do. Which skills it may invoke in turn stays its own (approved for it), within the chain depth.
 */
export function narrowGrants(grants: SkillGrants, caller: SkillGrants | undefined): SkillGrants {
  if (!caller) return grants;
  return {
    permissions: intersect(grants.permissions, caller.permissions),
    net: intersect(grants.net, caller.net),
    secrets: intersect(grants.secrets, caller.secrets),
    invokes: grants.invokes,
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

/** A skill invokes only the skills it declared (`invokes` in its manifest) and the owner approved. */
export function assertMayInvoke(caller: string, grants: SkillGrants, callee: string): void {
  if (grants.invokes.includes(callee)) return;
  throw new SkillApiError(
    'permission_denied',
    `skills.invoke: ${caller} may not invoke "${callee.slice(0, 64)}": a skill invokes only the skills its skill.json lists in "invokes" and the owner approved`,
  );
}
