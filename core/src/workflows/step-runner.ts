import type {
  ApiCallRecord,
  JsonValue,
  SkillRunResult,
  SkillRuntime,
} from '@talon/skill-runtime/contract/runtime-contract.ts';
import { ERROR_BRANCH, type RetryPolicy, type StepDefinition } from './definition.ts';
import type { SkillCatalog } from './skill-catalog.ts';
import type { ContentSanitizer } from '../content/sanitizer.ts';
import type { RunLlmPolicies } from '../llm/run-policies.ts';
import { checkSkillConfig, configMismatchMessage } from '@talon/skill-runtime/contract/config-check.ts';
import type { SecretBinding } from '@talon/skill-runtime/contract/secret-bindings.ts';
import type { StepSecretBindingStore } from './step-secret-bindings.ts';

/** Error codes a retry may cure: the skill failed, hung or crashed. Everything else fails the same way again. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'skill_error',
  'timeout',
  'crashed',
  'memory_limit',
]);
/** Error codes that mean "the skill cannot be run now": handled by the step's `onUnavailable`. */
export const UNAVAILABLE_CODES: ReadonlySet<string> = new Set(['skill_not_found', 'circuit_open']);

export interface StepError {
  code: string;
  message: string;
}

/** What one step came to, after retries and missing/open handling (routes are decided by the caller). */
export type StepExecution = {
  attempts: number;
  durationMs: number;
  apiCalls: ApiCallRecord[];
  /** The skill whose result this is: the step's own or its fallback. */
  executedSkill: string | null;
} & (
  | { outcome: 'succeeded'; output: JsonValue; branch: string }
  /** `reason`: why the step's own skill could not run (missing, open circuit). */
  | { outcome: 'fallback'; output: JsonValue; branch: string; reason: StepError }
  | { outcome: 'skipped'; output: JsonValue; reason: StepError }
  | { outcome: 'failed'; error: StepError; result?: JsonValue }
);

export interface StepRunnerDeps {
  runtime: SkillRuntime;
  catalog: SkillCatalog;
  /** Waits between attempts; resolves early (false) when the run is aborted. */
  sleep: (ms: number, signal: AbortSignal) => Promise<boolean>;
  /** Cleans external skills' output (default: the seeded phrase list and cap). */
  sanitizer?: ContentSanitizer;
  /** Where the executor tells the LLM router each run's current step choices (tier, provider, local only). */
  llmPolicies?: RunLlmPolicies;
  /** Secret bindings approved for workflow steps (`secretBinding` in a step's config). */
  stepSecrets?: StepSecretBindingStore;
}

export function backoffDelay(policy: RetryPolicy, failedAttempts: number): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * policy.backoffFactor ** (failedAttempts - 1));
}

interface AttemptsResult {
  result: SkillRunResult;
  attempts: number;
  durationMs: number;
  apiCalls: ApiCallRecord[];
}

/** A skill that answered with the `on_error` branch failed, whatever its envelope says. */
function asFailure(result: SkillRunResult): StepError | undefined {
  if (!result.ok) return result.error;
  if (result.branch === ERROR_BRANCH)
    return { code: 'skill_error', message: 'the skill returned the on_error branch' };
  return undefined;
}

/**
 * Runs one skill with the step's retry policy. Every attempt but the last tells the runtime not to
 * count a failure against the circuit breaker: the breaker sees the final outcome only.
 */
async function runWithRetries(
  deps: StepRunnerDeps,
  skill: string,
  step: StepDefinition,
  input: JsonValue,
  runId: string,
  signal: AbortSignal,
  secretBindings: readonly SecretBinding[] = [],
): Promise<AttemptsResult> {
  const apiCalls: ApiCallRecord[] = [];
  let durationMs = 0;
  for (let attempt = 1; ; attempt += 1) {
    const last = attempt >= step.retry.maxAttempts;
    const result = await deps.runtime.run(skill, {
      input,
      config: step.config,
      runId,
      breakerCountsFailure: last,
      ...(secretBindings.length > 0 ? { secretBindings: [...secretBindings] } : {}),
    });
    durationMs += result.durationMs;
    apiCalls.push(...result.apiCalls);
    const failure = asFailure(result);
    if (!failure || last || !RETRYABLE_CODES.has(failure.code) || signal.aborted) {
      return { result, attempts: attempt, durationMs, apiCalls };
    }
    if (!(await deps.sleep(backoffDelay(step.retry, attempt), signal))) {
      return { result, attempts: attempt, durationMs, apiCalls };
    }
  }
}

function toExecution(run: AttemptsResult, skill: string, fallbackReason?: StepError): StepExecution {
  const base = {
    attempts: run.attempts,
    durationMs: run.durationMs,
    apiCalls: run.apiCalls,
    executedSkill: skill,
  };
  const failure = asFailure(run.result);
  if (failure) {
    return {
      ...base,
      outcome: 'failed',
      error: failure,
      ...(run.result.ok ? { result: run.result.result } : {}),
    };
  }
  const ok = run.result as Extract<SkillRunResult, { ok: true }>;
  return fallbackReason
    ? { ...base, outcome: 'fallback', output: ok.result, branch: ok.branch, reason: fallbackReason }
    : { ...base, outcome: 'succeeded', output: ok.result, branch: ok.branch };
}

/**
 * One step, in the documented failure order (core/src/workflows/README.md): config check, the
 * skill with retries (the breaker counting the final outcome), then missing/open-circuit handling
 * (`halt`, `skip`, or the fallback skill through the same runtime, with the same retries).
 */
export async function runStep(
  deps: StepRunnerDeps,
  step: StepDefinition,
  input: JsonValue,
  runId: string,
  signal: AbortSignal,
  /** The step's own approved secret binding: for its own skill only, never its fallback. */
  secretBindings: readonly SecretBinding[] = [],
): Promise<StepExecution> {
  const installed = deps.catalog.describe(step.skill);
  if (installed) {
    const problems = checkSkillConfig(installed, step.config);
    if (problems.length > 0) {
      return {
        attempts: 0,
        durationMs: 0,
        apiCalls: [],
        executedSkill: null,
        outcome: 'failed',
        error: {
          code: 'config_invalid',
          message: configMismatchMessage(installed, problems),
        },
      };
    }
  }

  const own = await runWithRetries(deps, step.skill, step, input, runId, signal, secretBindings);
  const execution = toExecution(own, step.skill);
  if (execution.outcome !== 'failed' || !UNAVAILABLE_CODES.has(execution.error.code)) return execution;

  if (step.onUnavailable === 'skip') {
    return { ...execution, outcome: 'skipped', output: input, executedSkill: null, reason: execution.error };
  }
  if (step.onUnavailable === 'fallback' && step.fallbackSkill !== null) {
    const fallback = await runWithRetries(deps, step.fallbackSkill, step, input, runId, signal);
    const result = toExecution(fallback, step.fallbackSkill, execution.error);
    const merged = {
      ...result,
      attempts: own.attempts + fallback.attempts,
      durationMs: own.durationMs + fallback.durationMs,
      apiCalls: [...own.apiCalls, ...fallback.apiCalls],
    };
    if (merged.outcome === 'failed') {
      return {
        ...merged,
        error: {
          code: merged.error.code,
          message: `${execution.error.code} for ${step.skill}, and its fallback ${step.fallbackSkill} failed: ${merged.error.message}`,
        },
      };
    }
    return merged;
  }
  return execution;
}
