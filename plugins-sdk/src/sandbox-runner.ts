/**
 * Runs skills in Talon's own sandbox (the worker processes, isolates, limits and bridge of
 * core/src/sandbox) with a SkillAPI the caller provides: the local API of `talon-skill run`, or the
 * scriptable fake of the test harness. Results are interpreted by the host's own `interpretOutcome`,
 * so a skill ends the same way here as in Talon.
 */
import { createLogger } from '../../core/src/logging/logger.ts';
import { Sandbox } from '../../core/src/sandbox/sandbox.ts';
import { SKILL_API_FUNCTION_NAMES } from '../../core/src/skills/permission-table.ts';
import { prepareRunRequest } from '../../core/src/skills/run-request.ts';
import { interpretOutcome } from '../../core/src/skills/run-result.ts';
import { DEFAULT_RUNTIME_LIMITS, skillLimits } from '../../core/src/skills/runtime-limits.ts';
import type { ApiCallHandler, RecordedApiCall } from './api-handler.ts';
import type { SkillManifest } from './manifest.ts';
import type { JsonObject, JsonValue } from './skill-api.ts';
import type { RunApiCall, SandboxRunResult } from './testing/types.ts';

export type { RunApiCall, SandboxRunResult };

export function toRunApiCalls(calls: readonly RecordedApiCall[]): RunApiCall[] {
  return calls.map((call) => ({
    permission: call.permission ?? 'unknown',
    method: call.method,
    allowed: call.allowed,
    durationMs: call.durationMs,
    ...(call.error ? { error: call.error.code } : {}),
  }));
}

export class SkillSandboxRunner {
  readonly #sandbox: Sandbox;
  readonly #manifests = new Map<string, SkillManifest>();
  readonly #main: string;

  private constructor(sandbox: Sandbox, main: string) {
    this.#sandbox = sandbox;
    this.#main = main;
  }

  /** Starts a worker and evaluates the skill's module in it, as Talon does when it loads a skill. */
  static async open(manifest: SkillManifest, code: string): Promise<SkillSandboxRunner> {
    const sandbox = new Sandbox({
      logger: createLogger('silent'),
      apiFunctions: SKILL_API_FUNCTION_NAMES,
      spareWorkers: 0,
    });
    const runner = new SkillSandboxRunner(sandbox, manifest.name);
    try {
      await runner.add(manifest, code);
    } catch (error) {
      await sandbox.close();
      throw error;
    }
    return runner;
  }

  /** Loads one more skill beside the first (for `skills.invoke`), in its own worker and limits. */
  async add(manifest: SkillManifest, code: string): Promise<void> {
    await this.#sandbox.place(manifest.name, code, skillLimits(manifest, DEFAULT_RUNTIME_LIMITS));
    this.#manifests.set(manifest.name, manifest);
  }

  /** The manifest of a loaded skill, or undefined. */
  manifest(name: string): SkillManifest | undefined {
    return this.#manifests.get(name);
  }

  /**
   * One run of `name` (the first skill by default), with the SkillAPI the caller provides (its
   * handler, and the records of the calls made). A request Talon refuses (too large, a config that
   * does not fit configSchema) is refused here the same way, without running the skill.
   */
  async run(
    request: { input: JsonValue; config?: JsonObject },
    api: { handler: ApiCallHandler; records(): RunApiCall[] },
    name: string = this.#main,
  ): Promise<SandboxRunResult> {
    const manifest = this.#manifests.get(name);
    if (!manifest) throw new Error(`${name} is not loaded in this sandbox`);
    // Refused before the skill is asked, exactly as Talon refuses them (size, configSchema).
    const prepared = prepareRunRequest(manifest, request, DEFAULT_RUNTIME_LIMITS.resultMaxChars);
    if (!prepared.ok) {
      const error = { code: prepared.code, message: prepared.message };
      return { ok: false, error, durationMs: 0, apiCalls: [] };
    }
    const started = performance.now();
    const firstCall = api.records().length;
    const outcome = await this.#sandbox.run(name, prepared.input, prepared.config, api.handler);
    const apiCalls = api.records().slice(firstCall);
    const interpreted = interpretOutcome(outcome, manifest, apiCalls);
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    return interpreted.ok
      ? { ok: true, result: interpreted.result, branch: interpreted.branch, durationMs, apiCalls }
      : { ok: false, error: interpreted.error, durationMs, apiCalls };
  }

  async close(): Promise<void> {
    await this.#sandbox.close();
  }
}
