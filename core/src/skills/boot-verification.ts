import { canonicalJson } from '@talon/skill-runtime/contract/checksum.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { errorMessage, TalonError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { ApprovalStore, SkillApproval } from './approval-store.ts';
import type { SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { readCoreSkills } from './core-skills.ts';
import { requestedGrants } from '@talon/skill-runtime/contract/requested-grants.ts';
import { readSkillFolder, type ValidatedPackage } from '@talon/skill-runtime/package/package-reader.ts';
import type { SkillLifecycleEvents } from './skill-events.ts';

export interface BootDependencies {
  runtime: SkillRuntime;
  store: ApprovalStore;
  audit: AuditLog;
  logger: Logger;
  events: SkillLifecycleEvents;
}

export interface CoreSkillState {
  name: string;
  version: string | undefined;
  checksum: string | undefined;
  state: 'loaded' | 'refused';
  reason?: string;
}

/** Says what changed between the approved package and what is on disk, in the owner's words. */
export function describeTampering(approval: SkillApproval, found: ValidatedPackage): string {
  const changed: string[] = [];
  if (canonicalJson(found.manifest) !== canonicalJson(approval.manifest)) changed.push('skill.json');
  if (found.code !== approval.code) changed.push('index.js');
  const what = changed.length > 0 ? changed.join(' and ') : 'the package';
  return `${what} changed after approval (approved checksum ${approval.checksum.slice(0, 12)}…, found ${found.checksum.slice(0, 12)}…)`;
}

/**
 * Installs the core skills that match their build-time checksums; every other one is refused,
 * audited and announced. Core skills are granted what their manifest asks for.
 */
export async function loadCoreSkills(
  deps: BootDependencies,
  dir: string,
): Promise<{
  names: string[];
  states: CoreSkillState[];
}> {
  const read = await readCoreSkills(dir);
  const states: CoreSkillState[] = [];
  for (const failure of read.failed) {
    states.push({
      name: failure.name,
      version: undefined,
      checksum: failure.actualChecksum,
      state: 'refused',
      reason: failure.reason,
    });
    deps.logger.error({ skill: failure.name, reason: failure.reason }, 'core skill refused at start');
    await deps.audit.record({
      actor: 'system',
      action: 'skill.verify',
      target: failure.name,
      outcome: 'failed',
      reason: 'core_checksum_mismatch',
      details: {
        kind: 'core',
        message: failure.reason,
        expectedChecksum: failure.expectedChecksum,
        actualChecksum: failure.actualChecksum,
      },
    });
    deps.events.announce('skill.tampered', {
      name: failure.name,
      kind: 'core',
      reason: failure.reason,
      expectedChecksum: failure.expectedChecksum,
      actualChecksum: failure.actualChecksum,
    });
  }
  for (const pkg of read.verified) {
    try {
      await deps.runtime.install({
        manifest: pkg.manifest,
        code: pkg.code,
        checksum: pkg.checksum,
        kind: 'core',
        grants: requestedGrants(pkg.manifest),
      });
      states.push({
        name: pkg.manifest.name,
        version: pkg.manifest.version,
        checksum: pkg.checksum,
        state: 'loaded',
      });
    } catch (error) {
      const reason = `the sandbox refused it: ${errorMessage(error)}`;
      states.push({
        name: pkg.manifest.name,
        version: pkg.manifest.version,
        checksum: pkg.checksum,
        state: 'refused',
        reason,
      });
      deps.logger.error({ skill: pkg.manifest.name, reason }, 'core skill could not be installed');
    }
  }
  return { names: read.names, states };
}

/**
 * Verifies every approved dynamic skill against its recorded checksum before it is installed. A
 * mismatch (a changed or missing file, an unsafe folder) is skipped, marked tampered, audited and
 * announced; its code is never handed to the sandbox. A skill already marked tampered stays so until
 * the owner restores or reloads it.
 */
export async function verifyApprovedSkills(
  deps: BootDependencies,
  skillsDirReal: string,
  isCoreName: (name: string) => boolean,
): Promise<void> {
  for (const approval of await deps.store.list()) {
    if (approval.status === 'tampered') {
      deps.logger.warn(
        { skill: approval.name, reason: approval.statusReason },
        'skill is marked tampered: not loaded',
      );
      continue;
    }
    if (isCoreName(approval.name)) {
      await markTampered(
        deps,
        approval,
        `"${approval.name}" is now the name of a core skill: the dynamic skill is not loaded`,
        undefined,
      );
      continue;
    }
    let found: ValidatedPackage;
    try {
      found = await readSkillFolder(skillsDirReal, approval.name, 'dynamic');
    } catch (error) {
      const reason = error instanceof TalonError ? error.message : `cannot be read: ${errorMessage(error)}`;
      await markTampered(deps, approval, reason, undefined);
      continue;
    }
    if (found.checksum !== approval.checksum) {
      await markTampered(deps, approval, describeTampering(approval, found), found.checksum);
      continue;
    }
    try {
      await deps.runtime.install({
        manifest: found.manifest,
        code: found.code,
        checksum: found.checksum,
        kind: 'dynamic',
        grants: approval.grants,
      });
    } catch (error) {
      deps.logger.error(
        { skill: approval.name, reason: errorMessage(error) },
        'approved skill could not be installed',
      );
      await deps.audit.record({
        actor: 'system',
        action: 'skill.verify',
        target: approval.name,
        outcome: 'failed',
        reason: 'install_failed',
        details: { checksum: approval.checksum, message: errorMessage(error) },
      });
    }
  }
}

async function markTampered(
  deps: BootDependencies,
  approval: SkillApproval,
  reason: string,
  actualChecksum: string | undefined,
): Promise<void> {
  deps.logger.error(
    { skill: approval.name, reason },
    'approved skill does not match its checksum: not loaded',
  );
  await deps.store.setStatus(approval.name, 'tampered', reason);
  await deps.audit.record({
    actor: 'system',
    action: 'skill.verify',
    target: approval.name,
    outcome: 'failed',
    reason: 'tampered',
    details: {
      message: reason,
      expectedChecksum: approval.checksum,
      actualChecksum,
      version: approval.version,
    },
  });
  deps.events.announce('skill.tampered', {
    name: approval.name,
    kind: 'dynamic',
    reason,
    expectedChecksum: approval.checksum,
    actualChecksum,
  });
}
