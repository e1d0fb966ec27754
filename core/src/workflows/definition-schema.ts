import { SKILL_NAME_PATTERN } from '@talon/skill-runtime/contract/manifest.ts';
import {
  DEFAULT_RETRY,
  DEFAULT_STEP_BUDGET,
  GITHUB_TRIGGER_EVENTS,
  LLM_TIERS,
  MISSED_RUN_POLICIES,
  UNAVAILABLE_ACTIONS,
} from './definition.ts';
import { PROVIDER_ID_PATTERN } from '../llm/wire-types.ts';

export const STEP_ID_PATTERN = '^[a-z][a-z0-9_-]{0,63}$';
export const BRANCH_PATTERN = '^[a-z][a-z0-9_]{0,63}$';
/** `owner/name` as GitHub allows them (core/src/github/review-target.ts checks the same rule). */
export const GITHUB_REPO_PATTERN =
  '^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/[A-Za-z0-9._-]{1,100}$';

const triggersSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    github: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['events'],
      default: null,
      properties: {
        events: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', enum: [...GITHUB_TRIGGER_EVENTS] },
        },
        repos: {
          type: 'array',
          maxItems: 50,
          default: [],
          items: { type: 'string', pattern: GITHUB_REPO_PATTERN },
        },
        branches: {
          type: 'array',
          maxItems: 50,
          default: [],
          items: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\s~^:?*\\[\\\\]+$' },
        },
      },
    },
  },
} as const;

const stepSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'skill'],
  properties: {
    id: { type: 'string', pattern: STEP_ID_PATTERN },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    skill: { type: 'string', pattern: SKILL_NAME_PATTERN },
    skillVersion: { type: ['string', 'null'], maxLength: 100, default: null },
    config: { type: 'object', default: {} },
    inputFrom: { type: ['string', 'null'], default: null },
    routes: {
      type: 'object',
      default: {},
      propertyNames: { pattern: BRANCH_PATTERN },
      additionalProperties: { type: 'string', minLength: 1 },
    },
    retry: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxAttempts: { type: 'integer', minimum: 1, maximum: 10, default: DEFAULT_RETRY.maxAttempts },
        backoffMs: { type: 'integer', minimum: 0, maximum: 600_000, default: DEFAULT_RETRY.backoffMs },
        backoffFactor: { type: 'number', minimum: 1, maximum: 10, default: DEFAULT_RETRY.backoffFactor },
        maxBackoffMs: {
          type: 'integer',
          minimum: 0,
          maximum: 3_600_000,
          default: DEFAULT_RETRY.maxBackoffMs,
        },
      },
    },
    onUnavailable: { type: 'string', enum: [...UNAVAILABLE_ACTIONS], default: 'halt' },
    fallbackSkill: { type: ['string', 'null'], pattern: SKILL_NAME_PATTERN, default: null },
    llm: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        tier: { type: ['string', 'null'], enum: [...LLM_TIERS, null], default: null },
        provider: { type: ['string', 'null'], pattern: PROVIDER_ID_PATTERN, default: null },
      },
    },
  },
} as const;

/**
 * JSON Schema of a workflow definition as the API and export documents carry it. Unknown fields are
 * refused; omitted optional fields get their defaults (ajv `useDefaults`).
 */
export const WORKFLOW_DEFINITION_SCHEMA = {
  $id: 'https://talon.local/schemas/workflow-definition.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'steps'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
    description: { type: 'string', maxLength: 2000, default: '' },
    enabled: { type: 'boolean', default: true },
    schedule: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['cron'],
      default: null,
      properties: {
        cron: { type: 'string', minLength: 1, maxLength: 200 },
        timezone: { type: 'string', minLength: 1, maxLength: 100, default: 'UTC' },
        missedRunPolicy: { type: 'string', enum: [...MISSED_RUN_POLICIES], default: 'skip' },
        enabled: { type: 'boolean', default: true },
      },
    },
    requires2fa: { type: 'boolean', default: false },
    llm: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        tier: { type: ['string', 'null'], enum: [...LLM_TIERS, null], default: null },
        provider: { type: ['string', 'null'], maxLength: 100, default: null },
        localOnly: { type: 'boolean', default: false },
      },
    },
    nodePin: { type: ['string', 'null'], maxLength: 100, default: null },
    maxConcurrentRuns: { type: 'integer', minimum: 1, maximum: 50, default: 1 },
    stepBudget: { type: 'integer', minimum: 1, maximum: 10_000, default: DEFAULT_STEP_BUDGET },
    retryOnNodeLost: { type: 'boolean', default: false },
    triggers: triggersSchema,
    steps: { type: 'array', maxItems: 200, items: stepSchema },
  },
} as const;
