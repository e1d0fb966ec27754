import type { SkillManifest } from '@talon/skill-runtime/contract/manifest.ts';
import { TalonError } from '../errors.ts';
import type { ApprovalStatus, SkillApproval } from './approval-store.ts';
import type { SkillGrants } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { requestedGrants } from '@talon/skill-runtime/contract/requested-grants.ts';
import { diffGrants, isEmptyDelta, type GrantsDiff } from './grants.ts';
import { readSkillFolder } from '@talon/skill-runtime/package/package-reader.ts';
import { compareVersions } from './semver.ts';
import { listSkillsDir } from '@talon/skill-runtime/package/skills-folder.ts';

/**
 * A folder in the skills folder that differs from what is approved: new, an update, or refused by a
 * rule. Pending folders are shown to the owner and never loaded without a TOTP-confirmed approval.
 */
export interface PendingSkill {
  name: string;
  state: 'new' | 'update' | 'refused';
  detectedAt: string;
  manifest?: SkillManifest;
  checksum?: string;
  requested?: SkillGrants;
  /** The approved version this folder would replace. */
  loaded?: { version: string; checksum: string; grants: SkillGrants; status: ApprovalStatus };
  /** Requested against the current grant (against nothing for a new skill). */
  diff?: GrantsDiff;
  /**
   * True when loading needs the owner to approve grants: always for a new skill, and for an update
   * when it asks for more than its current grant (one that asks for the same or less keeps it).
   */
  needsApproval?: boolean;
  /** For an update: why it cannot be loaded as it is (a version not higher than the loaded one). */
  blockedBy?: string;
  /** For a refused folder: the rule it breaks. */
  error?: { code: string; message: string };
}

export interface PendingContext {
  skillsDirReal: string;
  approvalOf(name: string): Promise<SkillApproval | undefined>;
  isCoreName(name: string): boolean;
}

/** Works out whether one folder is pending, and as what. Undefined when it matches its approval. */
export async function inspectFolder(
  context: PendingContext,
  name: string,
): Promise<PendingSkill | undefined> {
  const detectedAt = new Date().toISOString();
  if (context.isCoreName(name)) {
    return {
      name,
      state: 'refused',
      detectedAt,
      error: {
        code: 'name_conflicts_with_core',
        message: `"${name}" is the name of a core skill shipped with Talon: a dynamic skill cannot shadow it, rename it`,
      },
    };
  }
  const approval = await context.approvalOf(name);
  let read;
  try {
    read = await readSkillFolder(context.skillsDirReal, name, 'dynamic');
  } catch (error) {
    if (!(error instanceof TalonError)) throw error;
    if (error.code === 'skill_not_found') return undefined;
    return { name, state: 'refused', detectedAt, error: { code: error.code, message: error.message } };
  }
  if (approval?.checksum === read.checksum) return undefined;
  const requested = requestedGrants(read.manifest);
  const diff = diffGrants(requested, approval?.grants);
  const pending: PendingSkill = {
    name,
    state: approval ? 'update' : 'new',
    detectedAt,
    manifest: read.manifest,
    checksum: read.checksum,
    requested,
    diff,
    needsApproval: approval === undefined || !isEmptyDelta(diff.added),
  };
  if (approval) {
    pending.loaded = {
      version: approval.version,
      checksum: approval.checksum,
      grants: approval.grants,
      status: approval.status,
    };
    if (compareVersions(read.manifest.version, approval.version) <= 0) {
      pending.blockedBy = `version ${read.manifest.version} is not higher than the approved ${approval.version}: bump "version" in skill.json`;
    }
  }
  return pending;
}

/** The pending list, kept up to date by the watcher and after every lifecycle action. */
export class PendingSkills {
  readonly #context: PendingContext;
  readonly #entries = new Map<string, PendingSkill>();

  constructor(context: PendingContext) {
    this.#context = context;
  }

  list(): PendingSkill[] {
    return [...this.#entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): PendingSkill | undefined {
    return this.#entries.get(name);
  }

  /** Re-inspects one top-level entry of the skills folder (added, changed or removed). */
  async refresh(name: string): Promise<PendingSkill | undefined> {
    const previous = this.#entries.get(name);
    const entry = await inspectFolder(this.#context, name);
    if (entry === undefined) {
      this.#entries.delete(name);
      return undefined;
    }
    // The same content seen again keeps the time it was first seen.
    if (previous && previous.checksum !== undefined && previous.checksum === entry.checksum) {
      entry.detectedAt = previous.detectedAt;
    }
    this.#entries.set(name, entry);
    return entry;
  }

  /** Re-inspects the whole skills folder. */
  async rescan(): Promise<void> {
    const entries = await listSkillsDir(this.#context.skillsDirReal);
    const seen = new Set<string>();
    for (const entry of entries) {
      seen.add(entry.name);
      if (entry.kind === 'refused') {
        this.#entries.set(entry.name, {
          name: entry.name,
          state: 'refused',
          detectedAt: this.#entries.get(entry.name)?.detectedAt ?? new Date().toISOString(),
          error: { code: entry.error.code, message: entry.error.message },
        });
      } else {
        await this.refresh(entry.name);
      }
    }
    for (const name of [...this.#entries.keys()]) if (!seen.has(name)) this.#entries.delete(name);
  }
}
