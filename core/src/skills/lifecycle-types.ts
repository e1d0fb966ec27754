import type { SkillApproval } from './approval-store.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { StepUpVerifier } from '../auth/step-up.ts';
import type { DatabasePool } from '../db/pool.ts';
import type { Logger } from '../logging/logger.ts';
import type { SkillGrants, SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { SkillLifecycleEvents } from './skill-events.ts';

export interface SkillLifecycleOptions {
  pool: DatabasePool;
  audit: AuditLog;
  logger: Logger;
  runtime: SkillRuntime;
  stepUp: StepUpVerifier;
  /** TalonConfig.skillsDir. */
  skillsDir: string;
  /** `plugins/` of this checkout; undefined runs without core skills (tests of dynamic skills only). */
  coreSkillsDir: string | undefined;
  events?: SkillLifecycleEvents;
  /** Watch the skills folder for changes (off in tests that drive `refreshPending` themselves). */
  watch?: boolean;
}

/** Who asks, from where, with which TOTP code: every lifecycle action needs a fresh one. */
export interface LifecycleActor {
  actor: string;
  source?: string | undefined;
  /** The admin session's tag, so wrong codes count against that session (auth/step-up.ts). */
  session?: string | undefined;
  totpCode: string | undefined | null;
}

export interface LoadRequest extends LifecycleActor {
  /** The checksum the owner reviewed: loading refuses a folder that changed since. */
  checksum: string;
  /** What the owner approves; omitted means "what is asked", or "keep the grant" for an update. */
  grants?: SkillGrants | undefined;
}

export interface UploadRequest extends LifecycleActor {
  manifestSource: string;
  code: string;
  grants?: SkillGrants | undefined;
}

export type ApprovalSummary = Omit<SkillApproval, 'code' | 'manifestSource'> & {
  /** Powers an old approval leaves off until the owner approves again (see reapprovalReasons). */
  needsReapproval: string[];
};

export interface LifecycleResult {
  name: string;
  version: string;
  checksum: string;
  grants: SkillGrants;
}

export type LifecycleAction = 'load' | 'reload' | 'unload' | 'upload' | 'restore';

/** What an action reports for the audit log besides its result. */
export type ActionOutcome = LifecycleResult & { checksumBefore: string | null; keptAside?: string };
