import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { TalonError } from '../../errors.ts';
import type { JsonValue, SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { errorResponses } from '../error-schema.ts';
import {
  breakerResetSchema,
  skillListSchema,
  skillNameParams,
  skillRunBodySchema,
  skillRunResultSchema,
} from './skills-schemas.ts';

export interface SkillRoutesOptions {
  runtime: SkillRuntime;
}

function notLoaded(name: string): TalonError {
  return new TalonError('skill_not_found', `No skill named "${name}" is loaded`, 404);
}

/**
 * The runtime's admin API: loaded skills with permissions, grants, breaker and call counts; run a
 * skill with a JSON input (result, branch, duration, the SkillAPI calls it made); reset a breaker.
 * Behind the admin session like every route not on the public list.
 */
export const skillRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: SkillRoutesOptions }> = async (
  app,
  { runtime },
) => {
  app.get(
    '/api/skills',
    {
      schema: {
        response: { 200: skillListSchema, ...errorResponses },
      },
    },
    async () => ({ skills: runtime.list() }),
  );

  app.post(
    '/api/skills/:name/run',
    {
      schema: {
        params: skillNameParams,
        body: skillRunBodySchema,
        response: { 200: skillRunResultSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { name } = request.params;
      if (!runtime.status(name)) throw notLoaded(name);
      // Parsed from a JSON body, so JSON through and through (the schema cannot say so to the compiler).
      const { input, config } = request.body as { input: JsonValue; config?: { [key: string]: JsonValue } };
      return runtime.run(name, { input, ...(config ? { config } : {}), runId: `admin:${request.id}` });
    },
  );

  app.post(
    '/api/skills/:name/breaker/reset',
    {
      schema: {
        params: skillNameParams,
        response: { 200: breakerResetSchema, ...errorResponses },
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
