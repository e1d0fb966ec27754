import { TalonError } from '../errors.ts';
import type { SkillGrants, SkillPermission } from '@talon/skill-runtime/contract/runtime-contract.ts';

export interface GrantsDelta {
  permissions: string[];
  net: string[];
  secrets: string[];
  invokes: string[];
}

export interface GrantsDiff {
  /** Asked for now and not in the current grant: needs the owner's approval. */
  added: GrantsDelta;
  /** In the current grant and no longer asked for: dropped on load. */
  removed: GrantsDelta;
}

const DIMENSIONS = ['permissions', 'net', 'secrets', 'invokes'] as const;

function minus(left: readonly string[], right: readonly string[]): string[] {
  return left.filter((item) => !right.includes(item)).sort();
}

export function diffGrants(requested: SkillGrants, current: SkillGrants | undefined): GrantsDiff {
  const base: SkillGrants = current ?? { permissions: [], net: [], secrets: [], invokes: [] };
  const added = { permissions: [], net: [], secrets: [], invokes: [] } as GrantsDelta;
  const removed = { permissions: [], net: [], secrets: [], invokes: [] } as GrantsDelta;
  for (const dimension of DIMENSIONS) {
    added[dimension] = minus(requested[dimension], base[dimension]);
    removed[dimension] = minus(base[dimension], requested[dimension]);
  }
  return { added, removed };
}

export function isEmptyDelta(delta: GrantsDelta): boolean {
  return DIMENSIONS.every((dimension) => delta[dimension].length === 0);
}

export function describeDelta(delta: GrantsDelta): string {
  return DIMENSIONS.filter((dimension) => delta[dimension].length > 0)
    .map((dimension) => `${dimension} ${delta[dimension].map((item) => `+${item}`).join(' ')}`)
    .join('; ');
}

function intersect(left: readonly string[], right: readonly string[]): string[] {
  return left.filter((item) => right.includes(item)).sort();
}

/** Grants the owner passed, checked to be a subset of what the manifest asks for. */
export function checkGrantsWithinRequest(grants: SkillGrants, requested: SkillGrants): SkillGrants {
  for (const dimension of DIMENSIONS) {
    const extra = minus(grants[dimension], requested[dimension]);
    if (extra.length > 0) {
      throw new TalonError(
        'grants_exceed_request',
        `grants.${dimension}: ${extra.map((item) => `"${item}"`).join(', ')} ${extra.length === 1 ? 'is' : 'are'} not asked for by the skill's manifest; a grant can only narrow the request`,
        400,
      );
    }
  }
  return {
    permissions: [...new Set(grants.permissions)].sort() as SkillPermission[],
    net: [...new Set(grants.net)].sort(),
    secrets: [...new Set(grants.secrets)].sort(),
    invokes: [...new Set(grants.invokes)].sort(),
  };
}

/**
 * The grants a load ends with. Explicit grants are the owner's fresh approval (narrower is fine).
 * Without them: a first load grants what was shown and asked; a new version that asks for nothing
 * beyond the current grant keeps it; one that asks for more is refused until the owner approves.
 */
export function resolveGrants(
  requested: SkillGrants,
  explicit: SkillGrants | undefined,
  current: SkillGrants | undefined,
  version: string,
): SkillGrants {
  if (explicit !== undefined) return checkGrantsWithinRequest(explicit, requested);
  if (current === undefined) return requested;
  const diff = diffGrants(requested, current);
  if (!isEmptyDelta(diff.added)) {
    throw new TalonError(
      'approval_required',
      `Version ${version} asks for more than its current grant (${describeDelta(diff.added)}): review the difference and approve it by sending the grants you accept`,
      409,
    );
  }
  return {
    permissions: intersect(current.permissions, requested.permissions) as SkillPermission[],
    net: intersect(current.net, requested.net),
    secrets: intersect(current.secrets, requested.secrets),
    invokes: intersect(current.invokes, requested.invokes),
  };
}
