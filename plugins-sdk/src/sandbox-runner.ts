/**
 * Runs a skill in Talon's own sandbox (the worker processes, isolates, limits and bridge of
 * core/src/sandbox) with a SkillAPI the caller provides: the local API of `talon-skill run`, or the
 * scriptable fake of the test harness. Results are interpreted by the host's own `interpretOutcome`,
 * so a skill ends the same way here as in Talon.
 */
import { createLogger } from '../../core/src/logging/logger.ts';
import { Sandbox } from '../../core/src/sandbox/sandbox.ts';
import { SKILL_API_FUNCTION_NAMES } from '../../core/src/skills/permission-table.ts';
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
  readonly #manifest: SkillManifest;

  private constructor(sandbox: Sandbox, manifest: SkillManifest) {
    this.#sandbox = sandbox;
    this.#manifest = manifest;
  }

  /** Starts a worker and evaluates the skill's module in it, as Talon does when it loads a skill. */
  static async open(manifest: SkillManifest, code: string): Promise<SkillSandboxRunner> {
    const sandbox = new Sandbox({
      logger: createLogger('silent'),
      apiFunctions: SKILL_API_FUNCTION_NAMES,
      spareWorkers: 0,
    });
    try {
      await sandbox.place(manifest.name, code, skillLimits(manifest, DEFAULT_RUNTIME_LIMITS));
    } catch (error) {
      await sandbox.close();
      throw error;
    }
    return new SkillSandboxRunner(sandbox, manifest);
  }

  /** One run, with the SkillAPI the caller provides (its handler, and the records of the calls made). */
  async run(
    request: { input: JsonValue; config?: JsonObject },
    api: { handler: ApiCallHandler; records(): RunApiCall[] },
  ): Promise<SandboxRunResult> {
    const started = performance.now();
    const firstCall = api.records().length;
    const outcome = await this.#sandbox.run(
      this.#manifest.name,
      JSON.stringify(request.input ?? null),
      JSON.stringify(request.config ?? {}),
      api.handler,
    );
    const apiCalls = api.records().slice(firstCall);
    const interpreted = interpretOutcome(outcome, this.#manifest, apiCalls);
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    return interpreted.ok
      ? { ok: true, result: interpreted.result, branch: interpreted.branch, durationMs, apiCalls }
      : { ok: false, error: interpreted.error, durationMs, apiCalls };
  }

  async close(): Promise<void> {
    await this.#sandbox.close();
  }
}
