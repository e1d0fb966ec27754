import type { Logger } from '../ports.ts';
import type { JsonValue, SkillGrants, SkillManifest, SkillRunResult } from '../contract/runtime-contract.ts';
import type { SecretBinding } from '../contract/secret-bindings.ts';

/** Who is calling: bound by the host to the worker and run, never taken from the skill. */
export interface ApiCallContext {
  skill: string;
  manifest: SkillManifest;
  /** What this run may use: the skill's grants, intersected with its callers' along an invoke chain. */
  grants: SkillGrants;
  /** 0 for a run started by the host; 1..3 inside `skills.invoke`. */
  depth: number;
  /** Bindings the host approved for this run alone (a workflow step's; `SkillRunRequest.secretBindings`). */
  runSecretBindings: readonly SecretBinding[];
  runId: string;
  logger: Logger;
  /** Lines logged so far in this run. */
  logLines: number;
  /** Runs another skill as a nested call of this one (skills.invoke). */
  invoke(
    name: string,
    input: JsonValue,
    config: { [key: string]: JsonValue } | undefined,
  ): Promise<SkillRunResult>;
}

/** What a host function may report about the one call it is answering (the gate records it). */
export interface CallReport {
  /** The host removed `count` spellings of the secret `handle` from what came back. */
  redacted(handle: string, count: number): void;
  /** A line for the call's record (which provider answered...); never a secret, at most 500 characters. */
  note(text: string): void;
}

export type HostFunction = (
  context: ApiCallContext,
  args: readonly JsonValue[],
  call?: CallReport,
) => Promise<JsonValue>;
