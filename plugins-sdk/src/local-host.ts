/**
 * The skills of one `talon-skill run`: the skill under test and the ones loaded beside it with
 * `--with`, in Talon's own runtime (createLocalRuntime), each granted what its manifest asks for,
 * calling each other through `skills.invoke` under the host's chain rules.
 */
import type { JsonObject, JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { SkillPackage, SkillRunResult } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { SandboxSkillRuntime } from '@talon/skill-runtime/runtime/sandbox-skill-runtime.ts';
import type { SecretBinding } from '@talon/skill-runtime/contract/secret-bindings.ts';
import { createLocalRuntime, type LocalRuntimeOptions } from './local-runtime.ts';

export class LocalSkillHost {
  readonly #runtime: SandboxSkillRuntime;
  readonly #main: string;

  private constructor(runtime: SandboxSkillRuntime, main: string) {
    this.#runtime = runtime;
    this.#main = main;
  }

  /**
   * Loads every skill (the first is the one `run` runs). A skill the sandbox refuses to load
   * rejects with the runtime's error, after the others are stopped.
   */
  static async open(
    skills: readonly SkillPackage[],
    options: LocalRuntimeOptions = {},
  ): Promise<LocalSkillHost> {
    const [main] = skills;
    if (!main) throw new Error('LocalSkillHost needs at least one skill');
    const runtime = createLocalRuntime(options);
    try {
      for (const skill of skills) await runtime.install(skill);
    } catch (error) {
      await runtime.close();
      throw error;
    }
    return new LocalSkillHost(runtime, main.manifest.name);
  }

  /** One run of the skill under test, as Talon runs it (a failure opens no breaker for the next run). */
  run(request: {
    input: JsonValue;
    config?: JsonObject;
    secretBindings?: SecretBinding[];
  }): Promise<SkillRunResult> {
    return this.#runtime.run(this.#main, {
      ...request,
      runId: 'talon-skill-run',
      breakerCountsFailure: false,
    });
  }

  async close(): Promise<void> {
    await this.#runtime.close();
  }
}
