/**
 * The shapes of the skill lifecycle API (core/src/server/routes/skill-lifecycle-schemas.ts): pending
 * folders, approved packages, and what every TOTP-confirmed action answers.
 */

/** What a skill may use: permissions, hosts for `http`, secret handles (mirrors `SkillGrants`). */
export interface SkillGrants {
  permissions: string[];
  net: string[];
  secrets: string[];
}

export type GrantDimension = keyof SkillGrants;

/** `skill.json` as the server shows it; only the fields the screen reads are typed. */
export interface SkillManifestView {
  name: string;
  version: string;
  description: string;
  permissions: string[];
  net?: string[];
  secrets?: string[];
  routes?: string[];
  external?: boolean;
  limits?: { memoryMb?: number; cpuTimeoutMs?: number; wallTimeoutMs?: number };
  [field: string]: unknown;
}

/** A folder in the skills folder that is not what is approved (mirrors `PendingSkill`). */
export interface PendingSkill {
  name: string;
  state: 'new' | 'update' | 'refused';
  detectedAt: string;
  manifest?: SkillManifestView;
  checksum?: string;
  requested?: SkillGrants;
  /** The approved version this folder would replace. */
  loaded?: { version: string; checksum: string; grants: SkillGrants; status: string };
  /** Requested against the current grant (against nothing for a new skill). */
  diff?: { added: SkillGrants; removed: SkillGrants };
  needsApproval?: boolean;
  /** Why an update cannot be loaded as it is (its version is not higher). */
  blockedBy?: string;
  /** For a refused folder: the rule it breaks. */
  error?: { code: string; message: string };
}

export type ApprovalStatus = 'approved' | 'tampered';

export interface ApprovedSkill {
  name: string;
  version: string;
  checksum: string;
  manifest?: SkillManifestView;
  grants: SkillGrants;
  status: ApprovalStatus;
  /** What changed on disk, when tampered. */
  statusReason?: string | null;
  approvedBy?: string;
  approvedAt?: string;
  statusChangedAt?: string;
}

export interface CoreSkillState {
  name: string;
  version?: string;
  checksum?: string;
  state: 'loaded' | 'refused';
  reason?: string;
}

export interface SkillApprovals {
  core: CoreSkillState[];
  dynamic: ApprovedSkill[];
}

/** The approved package byte for byte: `skill.json` and `index.js` as they were approved. */
export interface ApprovedPackage {
  name: string;
  version: string;
  checksum: string;
  status: string;
  statusReason?: string | null;
  grants: SkillGrants;
  manifest: string;
  code: string;
}

/** What load, reload, unload, restore and upload answer. */
export interface LifecycleResult {
  name: string;
  version: string;
  checksum: string;
  grants: SkillGrants;
}

export type ApprovedSkillAction = 'reload' | 'unload' | 'restore';

export interface LoadSkillRequest {
  checksum: string;
  totpCode: string;
  grants?: SkillGrants;
}

export interface UploadSkillRequest {
  /** The text of `skill.json`. */
  manifest: string;
  /** The text of the bundled `index.js`. */
  code: string;
  totpCode: string;
  grants?: SkillGrants;
}
