/**
 * JSON schemas of /api/llm/...: bodies checked before any handler runs, responses serialized by them;
 * and the wire types derived from them. No imports with runtime code beyond constants: the admin UI
 * imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { LLM_LOCALITIES, LLM_PROVIDER_KINDS, LLM_TIERS, PROVIDER_ID_PATTERN } from '../../llm/wire-types.ts';

export const providerIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: PROVIDER_ID_PATTERN } },
} as const;

const tier = { type: 'string', enum: [...LLM_TIERS] } as const;
const locality = { type: 'string', enum: [...LLM_LOCALITIES] } as const;
const name = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } as const;
const model = { type: 'string', minLength: 1, maxLength: 200, pattern: '^\\S+$' } as const;
const baseUrl = { type: 'string', maxLength: 500 } as const;
const apiKey = { type: 'string', maxLength: 500 } as const;
const priority = { type: 'integer', minimum: -1000, maximum: 1000 } as const;
const totpCode = { type: 'string', maxLength: 16 } as const;

export const providerView = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'name',
    'kind',
    'baseUrl',
    'model',
    'tier',
    'priority',
    'locality',
    'enabled',
    'hasKey',
    'maskedKey',
    'keySetting',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    baseUrl: { type: 'string' },
    model: { type: 'string' },
    tier: { type: 'string' },
    priority: { type: 'integer' },
    locality: { type: 'string' },
    enabled: { type: 'boolean' },
    hasKey: { type: 'boolean' },
    /** `sk-a********cdef`: the key itself never leaves the host. */
    maskedKey: { type: 'string' },
    keySetting: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const providerResponse = {
  type: 'object',
  required: ['provider'],
  additionalProperties: false,
  properties: { provider: providerView },
} as const;

export const providerListResponse = {
  type: 'object',
  required: ['providers'],
  additionalProperties: false,
  properties: { providers: { type: 'array', items: providerView } },
} as const;

export const createProviderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'kind', 'model', 'tier', 'locality'],
  properties: {
    id: { type: 'string', pattern: PROVIDER_ID_PATTERN },
    name,
    kind: { type: 'string', enum: [...LLM_PROVIDER_KINDS] },
    baseUrl,
    model,
    tier,
    priority,
    locality,
    enabled: { type: 'boolean' },
    apiKey,
    totpCode,
  },
} as const;

export const updateProviderBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name,
    baseUrl,
    model,
    tier,
    priority,
    locality,
    enabled: { type: 'boolean' },
    /** Empty keeps the stored key (the form never shows it). */
    apiKey,
    clearKey: { type: 'boolean' },
    totpCode,
  },
} as const;

export const testResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['ok', 'model', 'durationMs'],
  properties: {
    ok: { type: 'boolean' },
    text: { type: 'string' },
    model: { type: 'string' },
    durationMs: { type: 'integer' },
    usage: {
      type: 'object',
      additionalProperties: false,
      required: ['inputTokens', 'outputTokens'],
      properties: { inputTokens: { type: 'integer' }, outputTokens: { type: 'integer' } },
    },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

export const usageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { days: { type: 'integer', minimum: 1, maximum: 366, default: 30 } },
} as const;

export const usageResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['today', 'days', 'rows'],
  properties: {
    today: { type: 'string' },
    days: { type: 'integer' },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['day', 'providerId', 'providerName', 'requests', 'inputTokens', 'outputTokens', 'errors'],
        properties: {
          day: { type: 'string' },
          providerId: { type: 'string' },
          providerName: { type: 'string' },
          requests: { type: 'integer' },
          inputTokens: { type: 'integer' },
          outputTokens: { type: 'integer' },
          errors: { type: 'integer' },
        },
      },
    },
  },
} as const;

export const reachBody = {
  type: 'object',
  additionalProperties: false,
  required: ['localOnly', 'targets'],
  properties: {
    localOnly: { type: 'boolean' },
    targets: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['tier', 'provider'],
        properties: {
          tier: { type: ['string', 'null'], enum: [...LLM_TIERS, null] },
          provider: { type: ['string', 'null'], maxLength: 100 },
        },
      },
    },
  },
} as const;

export const reachResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['providers', 'problems'],
  properties: {
    providers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'kind', 'model', 'locality'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string' },
          model: { type: 'string' },
          locality: { type: 'string' },
        },
      },
    },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['index', 'code', 'message'],
        properties: { index: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/** `POST /api/llm/providers` (a new endpoint or key needs `totpCode`). */
export type LlmProviderCreateRequest = FromSchema<typeof createProviderBody>;
/** `PUT /api/llm/providers/:id`: an empty `apiKey` keeps the stored key; `clearKey` removes it. */
export type LlmProviderUpdateRequest = FromSchema<typeof updateProviderBody>;
export type LlmProviderList = FromSchema<typeof providerListResponse>;
export type LlmProviderAnswer = FromSchema<typeof providerResponse>;
export type LlmProviderTestAnswer = FromSchema<typeof testResponse>;
export type LlmUsageReport = FromSchema<typeof usageResponse>;
export type LlmReachRequest = FromSchema<typeof reachBody>;
export type LlmReachTarget = LlmReachRequest['targets'][number];
export type LlmReach = FromSchema<typeof reachResponse>;
