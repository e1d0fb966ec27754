import type {
  SkillPackage,
  SkillRunRequest,
  SkillRunResult,
  SkillRuntime,
  SkillStatus,
} from '@talon/skill-runtime/contract/runtime-contract.ts';
import { ManifestCatalog, type SkillCatalog, type SkillDescription } from './skill-catalog.ts';

/**
 * The skills installed in a runtime, as the workflow engine's catalog: every package reaches the
 * runtime through `install` (core skills at start, approved skills, updates), so wrapping the
 * runtime sees each manifest the moment it can run, and forgets it on `uninstall`.
 */
export class InstalledSkills implements SkillCatalog {
  readonly #catalog = new ManifestCatalog();

  describe(name: string): SkillDescription | undefined {
    return this.#catalog.describe(name);
  }

  /** The runtime to hand to the skill lifecycle: the same runtime, with installs recorded here. */
  track(runtime: SkillRuntime): SkillRuntime {
    const catalog = this.#catalog;
    return {
      async install(pkg: SkillPackage): Promise<void> {
        await runtime.install(pkg);
        catalog.add(pkg.manifest);
      },
      async uninstall(name: string): Promise<void> {
        await runtime.uninstall(name);
        catalog.remove(name);
      },
      run: (name: string, request: SkillRunRequest): Promise<SkillRunResult> => runtime.run(name, request),
      status: (name: string): SkillStatus | undefined => runtime.status(name),
      list: (): SkillStatus[] => runtime.list(),
      resetBreaker: (name: string): void => runtime.resetBreaker(name),
      close: (): Promise<void> => runtime.close(),
    };
  }
}
