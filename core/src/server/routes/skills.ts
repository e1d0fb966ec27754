import type { FastifyPluginAsync } from 'fastify';
import { TalonError } from '../../errors.ts';
import type { JsonValue, SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';

export interface SkillRoutesOptions {
  runtime: SkillRuntime;
}

const nameParams = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', pattern: '^[a-z][a-z0-9_]{1,63}$' } },
} as const;

const stringList = { type: 'array', items: { type: 'string' } } as const;

const skillStatus = {
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
      properties: { permissions: stringList, net: stringList, secrets: stringList },
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

const apiCall = {
  type: 'object',
  required: ['permission', 'method', 'allowed', 'durationMs'],
  additionalProperties: false,
  properties: {
    permission: { type: 'string' },
    method: { type: 'string' },
    allowed: { type: 'boolean' },
    durationMs: { type: 'number' },
    error: { type: 'string' },
  },
} as const;

const runResult = {
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
    apiCalls: { type: 'array', items: apiCall },
  },
} as const;

interface RunBody {
  input: JsonValue;
  config?: { [key: string]: JsonValue };
}

function notLoaded(name: string): TalonError {
  return new TalonError('skill_not_found', `No skill named "${name}" is loaded`, 404);
}

/**
 * The runtime's admin API: loaded skills with permissions, grants, breaker and call counts; run a
 * skill with a JSON input (result, branch, duration, the SkillAPI calls it made); reset a breaker.
 * Behind the admin session like every route not on the public list.
 */
export const skillRoutes: FastifyPluginAsync<SkillRoutesOptions> = async (app, { runtime }) => {
  app.get(
    '/api/skills',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['skills'],
            additionalProperties: false,
            properties: { skills: { type: 'array', items: skillStatus } },
          },
        },
      },
    },
    async () => ({ skills: runtime.list() }),
  );

  app.post<{ Params: { name: string }; Body: RunBody }>(
    '/api/skills/:name/run',
    {
      schema: {
        params: nameParams,
        body: {
          type: 'object',
          required: ['input'],
          additionalProperties: false,
          properties: { input: {}, config: { type: 'object' } },
        },
        response: { 200: runResult },
      },
    },
    async (request) => {
      const { name } = request.params;
      if (!runtime.status(name)) throw notLoaded(name);
      const { input, config } = request.body;
      return runtime.run(name, { input, ...(config ? { config } : {}), runId: `admin:${request.id}` });
    },
  );

  app.post<{ Params: { name: string } }>(
    '/api/skills/:name/breaker/reset',
    {
      schema: {
        params: nameParams,
        response: { 200: { type: 'object', properties: { skill: skillStatus } } },
      },
    },
    async (request) => {
      const { name } = request.params;
      if (!runtime.status(name)) throw notLoaded(name);
      runtime.resetBreaker(name);
      request.log.info({ skill: name }, 'circuit breaker reset by the admin');
      return { skill: runtime.status(name) };
    },
  );
};
