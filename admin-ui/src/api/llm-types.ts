/**
 * The shapes of /api/llm: the core's own types (core/src/llm/wire-types.ts), imported as types only;
 * the few constants the screens need at runtime are restated here, typed so they cannot drift.
 */
import type {
  LLM_LOCALITIES as CORE_LOCALITIES,
  LLM_PROVIDER_KINDS as CORE_KINDS,
  LLM_TIERS as CORE_TIERS,
  LlmLocality,
  LlmProviderKind,
  LlmProviderView,
  LlmTier,
  LlmUsageRow,
} from '@talon/core/llm/wire-types.ts';

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

/** What the form sends to add a provider. */
export interface LlmProviderInput {
  id: string;
  name: string;
  kind: LlmProviderKind;
  baseUrl: string;
  model: string;
  tier: LlmTier;
  priority: number;
  locality: LlmLocality;
  enabled: boolean;
  apiKey?: string;
}

export type LlmProviderUpdate = Partial<Omit<LlmProviderInput, 'id' | 'kind'>> & { clearKey?: boolean };

export interface LlmUsageReport {
  today: string;
  days: number;
  rows: LlmUsageRow[];
}

export interface LlmReachTarget {
  tier: LlmTier | null;
  provider: string | null;
}

export interface LlmReach {
  providers: Pick<LlmProviderView, 'id' | 'name' | 'kind' | 'model' | 'locality'>[];
  problems: { index: number; code: string; message: string }[];
}
