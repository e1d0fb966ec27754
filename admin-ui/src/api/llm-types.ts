/**
 * The shapes of /api/llm: the core's own types (core/src/llm/wire-types.ts) and those derived from
 * the routes' schemas (core/src/server/routes/llm-schemas.ts), imported as types only; the few
 * constants the screens need at runtime are restated here, typed so they cannot drift.
 */
import type {
  LLM_LOCALITIES as CORE_LOCALITIES,
  LLM_PROVIDER_KINDS as CORE_KINDS,
  LLM_TIERS as CORE_TIERS,
} from '@talon/core/llm/wire-types.ts';
import type {
  LlmProviderCreateRequest,
  LlmProviderUpdateRequest,
} from '@talon/core/server/routes/llm-schemas.ts';

export type { LlmReach, LlmReachTarget, LlmUsageReport } from '@talon/core/server/routes/llm-schemas.ts';
export type {
  LlmLocality,
  LlmProviderKind,
  LlmProviderTestResult,
  LlmProviderView,
  LlmTier,
  LlmUsageRow,
} from '@talon/core/llm/wire-types.ts';

export const LLM_TIERS: typeof CORE_TIERS = ['local', 'light', 'medium', 'heavy'];
export const LLM_PROVIDER_KINDS: typeof CORE_KINDS = ['anthropic', 'gemini', 'openai'];
export const LLM_LOCALITIES: typeof CORE_LOCALITIES = ['local', 'remote'];

/** What the provider form fills to add one: every field of the request but the key and the code. */
export type LlmProviderInput = Required<Omit<LlmProviderCreateRequest, 'apiKey' | 'totpCode'>> &
  Pick<LlmProviderCreateRequest, 'apiKey'>;

export type LlmProviderUpdate = Omit<LlmProviderUpdateRequest, 'totpCode'>;
