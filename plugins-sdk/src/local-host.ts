/**
 * The skills of one `talon-skill run`: the skill under test and the ones loaded beside it with
 * `--with`, each in Talon's sandbox with the grants its manifest asks for, calling each other
 * through `skills.invoke` under the host's own chain rules (callee's grants ∩ caller's, depth ≤ 3).
 */
import { calleeDepth, effectiveGrants, narrowGrants } from '../../core/src/skills/invoke-chain.ts';
import { DEFAULT_RUNTIME_LIMITS } from '../../core/src/skills/runtime-limits.ts';
import type { ApiCallContext } from '../../core/src/skills/skill-api/call-context.ts';
import type { LocalGrants } from './api-handler.ts';
import { LocalSkillApi, type LocalApiOptions } from './local-api.ts';
import type { SkillManifest } from './manifest.ts';
import { SkillSandboxRunner, type SandboxRunResult } from './sandbox-runner.ts';
import type { JsonObject, JsonValue } from './skill-api.ts';

export interface LocalSkill {
  manifest: SkillManifest;
  code: string;
  grants: LocalGrants;
  kind: 'core' | 'dynamic';
}

interface Chain {
  depth: number;
  callerGrants: LocalGrants | undefined;
}

export class LocalSkillHost {
  readonly #runner: SkillSandboxRunner;
  readonly #api: LocalSkillApi;
  readonly #grants: ReadonlyMap<string, LocalGrants>;
  readonly #main: string;

  private constructor(
    runner: SkillSandboxRunner,
    api: LocalSkillApi,
    grants: ReadonlyMap<string, LocalGrants>,
    main: string,
  ) {
    this.#runner = runner;
    this.#api = api;
    this.#grants = grants;
    this.#main = main;
  }

  /**
   * Places every skill in the sandbox (the first is the one `run` runs). A skill the sandbox
   * refuses to load rejects with the sandbox's error, after the others are stopped.
   */
  static async open(skills: readonly LocalSkill[], options: LocalApiOptions = {}): Promise<LocalSkillHost> {
    const [main, ...others] = skills;
    if (!main) throw new Error('LocalSkillHost needs at least one skill');
    const runner = await SkillSandboxRunner.open(main.manifest, main.code);
    try {
      for (const other of others) await runner.add(other.manifest, other.code);
    } catch (error) {
      await runner.close();
      throw error;
    }
    const grants = new Map(skills.map((skill) => [skill.manifest.name, effectiveGrants(skill)]));
    return new LocalSkillHost(runner, new LocalSkillApi(options), grants, main.manifest.name);
  }

  /** One run of the skill under test, as Talon runs it. */
  run(request: { input: JsonValue; config?: JsonObject }): Promise<SandboxRunResult> {
    return this.#run(this.#main, request, { depth: 0, callerGrants: undefined });
  }

  async close(): Promise<void> {
    await this.#runner.close();
  }

  async #run(
    name: string,
    request: { input: JsonValue; config?: JsonObject },
    chain: Chain,
  ): Promise<SandboxRunResult> {
    const manifest = this.#runner.manifest(name);
    const grants = this.#grants.get(name);
    if (!manifest || !grants) {
      return {
        ok: false,
        error: {
          code: 'skill_not_found',
          message: `no skill named "${name.slice(0, 64)}" is loaded: add its folder with --with <folder>`,
        },
        durationMs: 0,
        apiCalls: [],
      };
    }
    const runGrants = narrowGrants(grants, chain.callerGrants);
    const invoke: ApiCallContext['invoke'] = (callee, input, config) =>
      this.#run(
        callee,
        { input, ...(config ? { config } : {}) },
        {
          depth: calleeDepth(chain.depth, DEFAULT_RUNTIME_LIMITS.maxChainDepth),
          callerGrants: runGrants,
        },
      );
    const api = this.#api.forRun({ manifest, grants: runGrants, depth: chain.depth, invoke });
    return this.#runner.run(request, api, name);
  }
}
