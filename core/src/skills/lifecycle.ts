import { TalonError } from '../errors.ts';
import { ApprovalStore, type SkillApproval } from './approval-store.ts';
import { loadCoreSkills, verifyApprovedSkills, type CoreSkillState } from './boot-verification.ts';
import type { SkillGrants } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { reapprovalReasons, requestedGrants } from '@talon/skill-runtime/contract/requested-grants.ts';
import { resolveGrants } from './grants.ts';
import {
  readSkillFolder,
  validatePackage,
  type ValidatedPackage,
} from '@talon/skill-runtime/package/package-reader.ts';
import { PendingSkills, type PendingSkill } from './pending-skills.ts';
import { compareVersions } from './semver.ts';
import { SkillLifecycleEvents } from './skill-events.ts';
import { replaceSkillFolder } from './skill-folder-writer.ts';
import { assertSkillName, prepareSkillsDir } from '@talon/skill-runtime/package/skills-folder.ts';
import { SkillsWatcher } from './skills-watcher.ts';
import { auditedAction } from './action-audit.ts';
import type {
  ActionOutcome,
  ApprovalSummary,
  LifecycleAction,
  LifecycleActor,
  LifecycleResult,
  LoadRequest,
  SkillLifecycleOptions,
  UploadRequest,
} from './lifecycle-types.ts';

export type {
  ApprovalSummary,
  LifecycleActor,
  LifecycleResult,
  LoadRequest,
  SkillLifecycleOptions,
  UploadRequest,
};

/**
 * What may run: the skills folder, pending packages, TOTP-confirmed load / reload / unload / upload /
 * restore, approved grants in PostgreSQL, checksum verification at start, and the core skills. It
 * hands verified packages to the SkillRuntime and nothing else does.
 */
export class SkillLifecycle {
  readonly events: SkillLifecycleEvents;
  readonly #options: SkillLifecycleOptions;
  readonly #store: ApprovalStore;
  #skillsDirReal = '';
  #coreNames = new Set<string>();
  #coreStates: CoreSkillState[] = [];
  #pending: PendingSkills | undefined;
  #watcher: SkillsWatcher | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SkillLifecycleOptions) {
    this.#options = options;
    this.#store = new ApprovalStore(options.pool);
    this.events = options.events ?? new SkillLifecycleEvents();
  }

  /** Boot: core skills, then every approved skill verified against its checksum, then the pending scan. */
  async start(): Promise<void> {
    this.#skillsDirReal = await prepareSkillsDir(this.#options.skillsDir);
    const deps = { ...this.#options, store: this.#store, events: this.events };
    if (this.#options.coreSkillsDir !== undefined) {
      const core = await loadCoreSkills(deps, this.#options.coreSkillsDir);
      this.#coreNames = new Set(core.names);
      this.#coreStates = core.states;
    }
    await verifyApprovedSkills(deps, this.#skillsDirReal, (name) => this.#coreNames.has(name));
    this.#pending = new PendingSkills({
      skillsDirReal: this.#skillsDirReal,
      approvalOf: (name) => this.#store.get(name),
      isCoreName: (name) => this.#coreNames.has(name),
    });
    await this.#pending.rescan();
    if (this.#options.watch !== false) {
      this.#watcher = new SkillsWatcher({
        skillsDirReal: this.#skillsDirReal,
        logger: this.#options.logger,
        onFolderChanged: async (name) => {
          await this.refreshPending(name);
        },
      });
      await this.#watcher.start();
    }
  }

  async stop(): Promise<void> {
    await this.#watcher?.stop();
    await this.#queue.catch(() => undefined);
  }

  get skillsDir(): string {
    return this.#skillsDirReal;
  }

  isCoreName(name: string): boolean {
    return this.#coreNames.has(name);
  }

  listPending(): PendingSkill[] {
    return this.#pendingList().list();
  }

  /** Re-inspects one folder (the watcher calls this); announces it when it is pending. */
  async refreshPending(name: string): Promise<PendingSkill | undefined> {
    const entry = await this.#pendingList().refresh(name);
    if (entry) this.events.announce('skill.pending', entry);
    return entry;
  }

  listCore(): CoreSkillState[] {
    return [...this.#coreStates];
  }

  async listApproved(): Promise<ApprovalSummary[]> {
    return (await this.#store.list()).map(({ code: _code, manifestSource: _source, ...summary }) => ({
      ...summary,
      needsReapproval: reapprovalReasons(summary.manifest, summary.grants),
    }));
  }

  /** The approved package itself, so the owner can read the exact code that runs. */
  async approvedPackage(name: string): Promise<SkillApproval> {
    return this.#requireApproval(name);
  }

  load(name: string, request: LoadRequest): Promise<LifecycleResult> {
    return this.#act('load', name, request, async () => {
      this.#refuseCoreName(name);
      const found = await readSkillFolder(this.#skillsDirReal, name, 'dynamic');
      if (found.checksum !== request.checksum) {
        throw new TalonError(
          'checksum_mismatch',
          `The folder "${name}" changed since it was reviewed (its checksum is now ${found.checksum}): review it again before loading`,
          409,
        );
      }
      return this.#approve(found, request, 'skill.load');
    });
  }

  upload(request: UploadRequest): Promise<LifecycleResult> {
    let name = '(upload)';
    return this.#act(
      'upload',
      () => name,
      request,
      async () => {
        const pkg = await validatePackage(request.manifestSource, request.code, { kind: 'dynamic' });
        name = pkg.manifest.name;
        this.#refuseCoreName(name);
        let replacement: Awaited<ReturnType<typeof replaceSkillFolder>> | undefined;
        const result = await this.#approve(pkg, request, 'skill.upload', async () => {
          replacement = await replaceSkillFolder(this.#skillsDirReal, name, pkg);
          const written = await readSkillFolder(this.#skillsDirReal, name, 'dynamic');
          if (written.checksum !== pkg.checksum)
            throw new TalonError('upload_failed', 'The uploaded files could not be written intact', 500);
        }).catch(async (error: unknown) => {
          await replacement?.rollback();
          throw error;
        });
        await replacement?.discardPrevious();
        return result;
      },
    );
  }

  reload(name: string, request: LifecycleActor): Promise<LifecycleResult> {
    return this.#act('reload', name, request, async () => {
      this.#refuseCore(name, 'reloaded');
      const approval = await this.#requireApproval(name);
      const found = await readSkillFolder(this.#skillsDirReal, name, 'dynamic').catch((error: unknown) => {
        throw new TalonError(
          'skill_changed',
          `"${name}" cannot be reloaded: ${error instanceof Error ? error.message : String(error)}. Restore the approved copy first`,
          409,
        );
      });
      if (found.checksum !== approval.checksum) {
        throw new TalonError(
          'skill_changed',
          `The folder "${name}" no longer matches the approved package: load it as a new version, or restore the approved copy`,
          409,
        );
      }
      await this.#verifyCode('skill.reload', name, request);
      await this.#install(found, approval.grants);
      if (approval.status === 'tampered') await this.#store.setStatus(name, 'approved', null);
      return { ...this.#summary(approval), checksumBefore: approval.checksum };
    });
  }

  unload(name: string, request: LifecycleActor): Promise<LifecycleResult> {
    return this.#act('unload', name, request, async () => {
      this.#refuseCore(name, 'unloaded');
      const approval = await this.#requireApproval(name);
      await this.#verifyCode('skill.unload', name, request);
      await this.#options.runtime.uninstall(name).catch((error: unknown) => {
        // A tampered skill was never installed; anything else is a real failure.
        if (approval.status !== 'tampered') throw error;
      });
      await this.#store.delete(name);
      this.events.announce('skill.unloaded', { name });
      return { ...this.#summary(approval), checksumBefore: approval.checksum };
    });
  }

  /** Writes the approved copy back into the skills folder and loads it again (the changed folder is kept aside). */
  restore(name: string, request: LifecycleActor): Promise<LifecycleResult> {
    return this.#act('restore', name, request, async () => {
      this.#refuseCore(name, 'restored');
      const approval = await this.#requireApproval(name);
      await this.#verifyCode('skill.restore', name, request);
      const replacement = await replaceSkillFolder(this.#skillsDirReal, name, approval, 'tampered');
      try {
        const written = await readSkillFolder(this.#skillsDirReal, name, 'dynamic');
        if (written.checksum !== approval.checksum) {
          throw new TalonError(
            'restore_failed',
            `The approved copy of "${name}" could not be written intact`,
            500,
          );
        }
        await this.#install(written, approval.grants);
      } catch (error) {
        await replacement.rollback();
        throw error;
      }
      await this.#store.setStatus(name, 'approved', null);
      return {
        ...this.#summary(approval),
        checksumBefore: approval.checksum,
        ...(replacement.previous ? { keptAside: replacement.previous } : {}),
      };
    });
  }

  /** The shared part of load and upload: version rule, grants, TOTP, install, record. */
  async #approve(
    pkg: ValidatedPackage,
    request: LifecycleActor & { grants?: SkillGrants | undefined },
    action: string,
    beforeInstall?: () => Promise<void>,
  ): Promise<ActionOutcome> {
    const name = pkg.manifest.name;
    const approval = await this.#store.get(name);
    if (approval?.checksum === pkg.checksum) {
      throw new TalonError(
        'already_approved',
        `This exact package of "${name}" is already approved${approval.status === 'tampered' ? ': reload it to clear the tampered mark' : ''}`,
        409,
      );
    }
    if (approval && compareVersions(pkg.manifest.version, approval.version) <= 0) {
      throw new TalonError(
        'version_not_higher',
        `"${name}" ${approval.version} is loaded: a new package must have a higher version (got ${pkg.manifest.version}); bump "version" in skill.json`,
        409,
      );
    }
    const grants = resolveGrants(
      requestedGrants(pkg.manifest),
      request.grants,
      approval?.grants,
      pkg.manifest.version,
    );
    await this.#verifyCode(action, name, request);
    await beforeInstall?.();
    await this.#install(pkg, grants);
    await this.#store.save({
      name,
      version: pkg.manifest.version,
      checksum: pkg.checksum,
      manifest: pkg.manifest,
      manifestSource: pkg.manifestSource,
      code: pkg.code,
      grants,
      approvedBy: request.actor,
    });
    this.events.announce('skill.loaded', { name, version: pkg.manifest.version, checksum: pkg.checksum });
    return {
      name,
      version: pkg.manifest.version,
      checksum: pkg.checksum,
      grants,
      checksumBefore: approval?.checksum ?? null,
    };
  }

  #summary(approval: SkillApproval): LifecycleResult {
    return {
      name: approval.name,
      version: approval.version,
      checksum: approval.checksum,
      grants: approval.grants,
    };
  }

  async #install(pkg: ValidatedPackage, grants: SkillGrants): Promise<void> {
    await this.#options.runtime.install({
      manifest: pkg.manifest,
      code: pkg.code,
      checksum: pkg.checksum,
      kind: 'dynamic',
      grants,
    });
  }

  #verifyCode(action: string, name: string, request: LifecycleActor): Promise<void> {
    return this.#options.stepUp.verify({
      action,
      code: request.totpCode,
      actor: request.actor,
      source: request.source,
      session: request.session,
      target: name,
    });
  }

  async #requireApproval(name: string): Promise<SkillApproval> {
    assertSkillName(name);
    const approval = await this.#store.get(name);
    if (!approval) throw new TalonError('skill_not_found', `There is no approved skill "${name}"`, 404);
    return approval;
  }

  #refuseCoreName(name: string): void {
    if (this.#coreNames.has(name)) {
      throw new TalonError(
        'name_conflicts_with_core',
        `"${name}" is the name of a core skill shipped with Talon: a dynamic skill cannot shadow or overwrite it`,
        409,
      );
    }
  }

  #refuseCore(name: string, verb: string): void {
    if (this.#coreNames.has(name)) {
      throw new TalonError(
        'cannot_change_core',
        `"${name}" is a core skill shipped with Talon: it cannot be ${verb}`,
        403,
      );
    }
  }

  #pendingList(): PendingSkills {
    if (!this.#pending)
      throw new TalonError('skills_not_started', 'The skill lifecycle has not started yet', 503);
    return this.#pending;
  }

  /** One action at a time (two approvals racing for one name must not interleave), audited, then the pending list refreshed. */
  #act(
    action: LifecycleAction,
    target: string | (() => string),
    request: LifecycleActor,
    body: () => Promise<ActionOutcome>,
  ): Promise<LifecycleResult> {
    const run = async (): Promise<LifecycleResult> => {
      const result = await auditedAction(this.#options.audit, action, target, request, body);
      await this.#pending?.refresh(result.name).catch(() => undefined);
      return result;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
