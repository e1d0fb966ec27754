/**
 * The LLM router's shapes as the API sends them and the admin reads them. Constants only, no imports
 * with runtime code: the admin UI imports these as types.
 */

/** Tiers a request may ask for, from the cheapest to the strongest; `local` = never leaves the owner's machines. */
export const LLM_TIERS = ['local', 'light', 'medium', 'heavy'] as const;
export type LlmTier = (typeof LLM_TIERS)[number];

/** The API a provider speaks. `openai` = any OpenAI-compatible endpoint (OpenAI, Ollama, LM Studio, vLLM, OpenRouter). */
export const LLM_PROVIDER_KINDS = ['anthropic', 'gemini', 'openai'] as const;
export type LlmProviderKind = (typeof LLM_PROVIDER_KINDS)[number];

/** Where prompts sent to a provider end up: on the owner's own machines, or at a third party. */
export const LLM_LOCALITIES = ['local', 'remote'] as const;
export type LlmLocality = (typeof LLM_LOCALITIES)[number];

/** A provider's id: also a part of its key setting's name (`llm.provider.<id>.api_key`). */
export const PROVIDER_ID_PATTERN = '^[a-z][a-z0-9_]{0,39}$';

/** A provider as the admin sees it: never its key, only whether one is stored. */
export interface LlmProviderView {
  id: string;
  name: string;
  kind: LlmProviderKind;
  baseUrl: string;
  model: string;
  tier: LlmTier;
  priority: number;
  locality: LlmLocality;
  enabled: boolean;
  /** A key is stored (shown masked, e.g. `sk-a********cdef`; empty when none). */
  hasKey: boolean;
  maskedKey: string;
  /** The sensitive setting that holds the key. */
  keySetting: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One provider's traffic on one UTC day. */
export interface LlmUsageRow {
  day: string;
  providerId: string;
  /** The provider's name, or its id when it was deleted since. */
  providerName: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  errors: number;
}

/** One provider the router tried for a call, in order, and how it went. */
export interface LlmAttempt {
  provider: string;
  model: string;
  outcome: 'answered' | 'failed' | 'skipped';
  /** For a failure or a skip: why (`http_429`, `http_500`, `timeout`, `no_key`, `cooling_down`...). */
  reason?: string;
  durationMs: number;
}

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

/** The answer of a provider test from the admin. */
export interface LlmProviderTestResult {
  ok: boolean;
  text?: string;
  model: string;
  durationMs: number;
  usage?: LlmUsage;
  error?: { code: string; message: string };
}
