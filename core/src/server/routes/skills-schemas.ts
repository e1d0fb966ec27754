/**
 * JSON schemas of the runtime's admin routes (`GET /api/skills`, `POST /api/skills/:name/run`,
 * `POST /api/skills/:name/breaker/reset`) and the wire types derived from them. No imports with
 * runtime code: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const skillNameParams = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', pattern: '^[a-z][a-z0-9_]{1,63}$' } },
} as const;

const stringList = { type: 'array', items: { type: 'string' } } as const;

export const skillStatusSchema = {
  type: 'object',
  required: ['name', 'version', 'kind', 'permissions', 'grants', 'breaker', 'calls'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    kind: { type: 'string', enum: ['core', 'dynamic'] },
    permissions: stringList,
    grants: {
      type: 'object',
      required: ['permissions', 'net', 'secrets'],
      additionalProperties: false,
      properties: { permissions: stringList, net: stringList, secrets: stringList, invokes: stringList },
    },
    breaker: {
      type: 'object',
      required: ['state', 'failures', 'lastError', 'changedAt'],
      additionalProperties: false,
      properties: {
        state: { type: 'string', enum: ['closed', 'open', 'half_open'] },
        failures: { type: 'integer' },
        lastError: { type: ['string', 'null'] },
        changedAt: { type: 'string' },
      },
    },
    calls: {
      type: 'object',
      required: ['total', 'failed'],
      additionalProperties: false,
      properties: { total: { type: 'integer' }, failed: { type: 'integer' } },
    },
  },
} as const;

/** One SkillAPI call of a run, as a run's record shows it (skills' and workflows' routes). */
export const apiCallSchema = {
  type: 'object',
  required: ['permission', 'method', 'allowed', 'durationMs'],
  additionalProperties: false,
  properties: {
    permission: { type: 'string' },
    method: { type: 'string' },
    allowed: { type: 'boolean' },
    durationMs: { type: 'number' },
    error: { type: 'string' },
    /** Secret handles whose values the host removed from what came back. */
    redacted: { type: 'array', items: { type: 'string' } },
    /** What the host says of the call (for llm.complete: which provider answered, which failed first). */
    note: { type: 'string' },
  },
} as const;

export const skillRunResultSchema = {
  type: 'object',
  required: ['ok', 'durationMs', 'apiCalls'],
  additionalProperties: false,
  properties: {
    ok: { type: 'boolean' },
    // Any JSON value: the skill's result, already capped and parsed by the runtime.
    result: {},
    branch: { type: 'string' },
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
    durationMs: { type: 'number' },
    apiCalls: { type: 'array', items: apiCallSchema },
  },
} as const;

export const skillListSchema = {
  type: 'object',
  required: ['skills'],
  additionalProperties: false,
  properties: { skills: { type: 'array', items: skillStatusSchema } },
} as const;

/** `POST /api/skills/:name/run`: a JSON input, and a config checked against the skill's configSchema. */
export const skillRunBodySchema = {
  type: 'object',
  required: ['input'],
  additionalProperties: false,
  properties: { input: {}, config: { type: 'object' } },
} as const;

export const breakerResetSchema = {
  type: 'object',
  properties: { skill: skillStatusSchema },
} as const;

export type SkillRunRequest = FromSchema<typeof skillRunBodySchema>;
