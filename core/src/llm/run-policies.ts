import type { LlmTier } from './wire-types.ts';

/** The owner's LLM choices for the step a run is executing (workflow `llm` and step `llm`). */
export interface LlmRunPolicy {
  tier: LlmTier | undefined;
  provider: string | undefined;
  /** The workflow's data may only reach local providers. */
  localOnly: boolean;
}

/**
 * What the workflow executor tells the router about the step each run is executing, by run id: a
 * skill's `llm.complete` carries its run id, never the owner's choices (the skill cannot widen them).
 * A run executes its steps one at a time on one node, so one entry per run is enough.
 */
export class RunLlmPolicies {
  readonly #byRun = new Map<string, LlmRunPolicy>();

  set(runId: string, policy: LlmRunPolicy): void {
    this.#byRun.set(runId, policy);
  }

  get(runId: string | undefined): LlmRunPolicy | undefined {
    return runId === undefined ? undefined : this.#byRun.get(runId);
  }

  delete(runId: string): void {
    this.#byRun.delete(runId);
  }

  get size(): number {
    return this.#byRun.size;
  }
}
