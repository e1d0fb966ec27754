import { TalonError } from '../errors.ts';
import type { LlmAttempt } from './wire-types.ts';

/**
 * Every way an LLM call can fail, by stable code. Skills and the admin see the code and the message;
 * the HTTP edge maps the status once.
 */
export const LLM_ERROR_STATUS = {
  /** The request itself is malformed (no prompt, maxTokens over the cap...). */
  llm_invalid_request: 400,
  /** No enabled provider can serve the tier (or none is local, for a local-only call). */
  llm_no_provider: 503,
  /** The step or call named a provider that does not exist or is disabled. */
  llm_provider_not_found: 400,
  /** The step named a remote provider for data that may only reach local ones. */
  llm_provider_not_allowed: 403,
  /** The provider refused the key (401/403): the owner must fix the key; not retried elsewhere. */
  llm_auth_failed: 502,
  /** The provider refused the request as malformed (400 and other 4xx): not retried elsewhere. */
  llm_request_rejected: 502,
  /** Every provider that could answer failed (429, 5xx, timeout, unreachable). */
  llm_unavailable: 503,
  /** The run has used its token budget. */
  llm_run_budget_exhausted: 429,
  /** The skill has used its token budget for today (UTC). */
  llm_skill_budget_exhausted: 429,
  /** `json: true` and the model's answer is not JSON. */
  llm_invalid_json: 502,
  /** Admin: the provider change is not valid (id taken, bad URL...). */
  llm_provider_invalid: 400,
} as const;

export type LlmErrorCode = keyof typeof LLM_ERROR_STATUS;

export class LlmError extends TalonError {
  declare readonly code: LlmErrorCode;
  /** The providers tried before the call failed, in order (empty when none was tried). */
  readonly attempts: readonly LlmAttempt[];

  constructor(code: LlmErrorCode, message: string, attempts: readonly LlmAttempt[] = []) {
    super(code, message, LLM_ERROR_STATUS[code]);
    this.attempts = attempts;
  }
}

/** The skill or run has spent its tokens; says how many were used of how many. */
export class LlmBudgetError extends LlmError {
  readonly used: number;
  readonly limit: number;

  constructor(
    code: 'llm_run_budget_exhausted' | 'llm_skill_budget_exhausted',
    message: string,
    used: number,
    limit: number,
  ) {
    super(code, message);
    this.used = used;
    this.limit = limit;
  }
}
