import type { CodeRequirement, SettingDefinition } from '../settings/definitions.ts';

/** One limit of the router: its setting, its default and its unit, defined here only. */
interface LlmLimit {
  key: string;
  fallback: number;
  description: string;
  /** Raising a token limit lowers a protection (the owner's bill): a code once 2FA is enrolled. */
  requiresCode: CodeRequirement;
}

/** Every LLM limit the owner can change (settings, read on every call so a change applies at once). */
export const LLM_LIMITS = {
  /** Tokens a call may produce when it does not say. */
  defaultMaxTokens: {
    key: 'llm.max_tokens_default',
    fallback: 1_024,
    description: 'Tokens an LLM answer may have when the caller does not say',
    requiresCode: 'once_enrolled',
  },
  /** The most tokens one call may ask for; a larger maxTokens is refused (llm_invalid_request). */
  maxTokensPerCall: {
    key: 'llm.max_tokens_per_call',
    fallback: 8_192,
    description: 'The most tokens one LLM call may ask for',
    requiresCode: 'once_enrolled',
  },
  /** Input + output tokens of every call of one run (workflow run or single skill run) together. */
  tokensPerRun: {
    key: 'llm.budget.tokens_per_run',
    fallback: 50_000,
    description: 'LLM tokens (input + output) one run may use, across all its calls',
    requiresCode: 'once_enrolled',
  },
  /** Input + output tokens of one skill per UTC day, counted across every node. */
  tokensPerSkillPerDay: {
    key: 'llm.budget.tokens_per_skill_per_day',
    fallback: 500_000,
    description: 'LLM tokens (input + output) one skill may use per UTC day, on all nodes together',
    requiresCode: 'once_enrolled',
  },
  /** Seconds one provider gets to answer before the router falls back to the next. */
  timeoutSeconds: {
    key: 'llm.timeout_seconds',
    fallback: 60,
    description: 'Seconds a provider has to answer before the next one is tried',
    requiresCode: 'none',
  },
  /** Seconds a provider that answered 429 without a retry-after header is left alone. */
  rateLimitCooldownSeconds: {
    key: 'llm.rate_limit_cooldown_seconds',
    fallback: 30,
    description: 'Seconds a provider that answered 429 without retry-after is skipped',
    requiresCode: 'none',
  },
} as const satisfies Record<string, LlmLimit>;

export type LlmLimitName = keyof typeof LLM_LIMITS;

/** The OpenAI-compatible provider's key, seeded from OPENAI_API_KEY (Anthropic's and Gemini's exist already). */
export const OPENAI_API_KEY_SETTING = 'llm.openai_api_key';

/** The router's settings, for the seeder (settings/definitions.ts spreads these). */
export const LLM_SETTING_DEFINITIONS: readonly SettingDefinition[] = [
  {
    key: OPENAI_API_KEY_SETTING,
    type: 'string',
    defaultValue: '',
    category: 'llm',
    sensitive: true,
    description: 'API key of the OpenAI-compatible provider seeded from OPENAI_API_KEY',
    requiresCode: 'once_enrolled',
  },
  ...Object.values(LLM_LIMITS).map((limit): SettingDefinition => ({
    key: limit.key,
    type: 'integer',
    defaultValue: String(limit.fallback),
    category: 'llm',
    sensitive: false,
    description: limit.description,
    requiresCode: limit.requiresCode,
  })),
];
