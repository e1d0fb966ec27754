/**
 * The types of the test harness, free of any import from the host, so an installed SDK can offer
 * them to authors' editors (see `public-entry.ts`).
 */
import type { LocalGrants } from '../api-handler.ts';
import type { SkillManifest } from '../manifest.ts';
import type { JsonObject, JsonValue } from '../skill-api.ts';
import type { FakeSkillApi } from './fake-api.ts';

/** One SkillAPI call as Talon reports it in a run's `apiCalls`. */
export interface RunApiCall {
  permission: string;
  method: string;
  allowed: boolean;
  durationMs: number;
  error?: string;
}

export type SandboxRunResult =
  | { ok: true; result: JsonValue; branch: string; durationMs: number; apiCalls: RunApiCall[] }
  | { ok: false; error: { code: string; message: string }; durationMs: number; apiCalls: RunApiCall[] };

export interface LoadSkillOptions {
  /** What the owner granted; default: everything skill.json asks for. Narrow it to test denials. */
  grants?: Partial<LocalGrants>;
  /** Core skills of Talon's plugins/ may hold core-only permissions. */
  core?: boolean;
}

export interface LoadedSkill {
  manifest: SkillManifest;
  /** The fake SkillAPI of this skill: script its answers, assert on its calls. */
  api: FakeSkillApi;
  grants: LocalGrants;
  /** One run, as Talon would run it: `{ ok, result, branch }` or `{ ok: false, error }`. */
  run(request: { input: JsonValue; config?: JsonObject }): Promise<SandboxRunResult>;
  /** Stops the skill's sandbox worker. */
  close(): Promise<void>;
}
