/**
 * The shapes of the skill lifecycle API: pending folders, approved packages, and what every
 * TOTP-confirmed action answers. Derived by the core from its route schemas
 * (core/src/server/routes/skill-lifecycle-schemas.ts) and imported as types only.
 */
import type { ApprovedSkill, SkillGrantsView } from '@talon/core/server/routes/skill-lifecycle-schemas.ts';

export type {
  ApprovedPackage,
  ApprovedSkill,
  CoreSkillState,
  LifecycleResult,
  LoadSkillRequest,
  PendingSkill,
  SkillApprovals,
  SkillManifestView,
  UploadSkillRequest,
} from '@talon/core/server/routes/skill-lifecycle-schemas.ts';

/** What a skill may use: permissions, hosts for `http`, secret handles, skills it may invoke. */
export type SkillGrants = SkillGrantsView;

/** The grant lists the picker and the list show, one group each. */
export type GrantDimension = Extract<keyof SkillGrants, 'permissions' | 'net' | 'secrets' | 'invokes'>;

export type ApprovalStatus = ApprovedSkill['status'];

export type ApprovedSkillAction = 'reload' | 'unload' | 'restore';
