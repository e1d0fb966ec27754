/** The types of the test harness. */
import type { ObservedApiCall } from '@talon/skill-runtime/api/api-gate.ts';
import type { JsonObject, JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { SkillManifest } from '@talon/skill-runtime/contract/manifest.ts';
import type { SecretBinding } from '@talon/skill-runtime/contract/secret-bindings.ts';
import type {
  ApiCallRecord,
  SkillGrants,
  SkillRunResult,
} from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { FakeSkillApi } from './fake-api.ts';

/** What the owner granted a skill; the same shape as in Talon. */
export type LocalGrants = SkillGrants;
/** One SkillAPI call as Talon reports it in a run's `apiCalls`. */
export type RunApiCall = ApiCallRecord;
/** One run's outcome, exactly as Talon reports it. */
export type SandboxRunResult = SkillRunResult;
/** One SkillAPI call as the skill made it, with its arguments and answer, for assertions. */
export type RecordedApiCall = ObservedApiCall;

export interface LoadSkillOptions {
  /** What the owner granted; default: everything skill.json asks for. Narrow it to test denials. */
  grants?: Partial<LocalGrants>;
  /** Core skills of Talon's plugins/ may hold core-only permissions. */
  core?: boolean;
}

export interface LoadedSkill {
  manifest: SkillManifest;
  /** The SkillAPI of this skill: script its answers, assert on its calls. */
  api: FakeSkillApi;
  grants: LocalGrants;
  /**
   * One run, as Talon would run it: `{ ok, result, branch }` or `{ ok: false, error }`.
   * `secretBindings`: a workflow step's binding the owner approved (as Talon passes `secretBinding`
   * of an approved step), for testing a skill that takes its secret's destination from the step.
   */
  run(request: {
    input: JsonValue;
    config?: JsonObject;
    secretBindings?: SecretBinding[];
  }): Promise<SandboxRunResult>;
  /** Stops the skill's sandbox worker. */
  close(): Promise<void>;
}
