import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { isDatabaseUp, type DatabasePool } from '../../db/pool.ts';
import { TALON_VERSION } from '../../version.ts';
import { errorResponses } from '../error-schema.ts';
import { healthResponseSchema } from './health-schemas.ts';

/** `GET /health` (public): 200 while the database answers, 503 when it does not. */
export const healthRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { pool: DatabasePool } }> = async (
  app,
  { pool },
) => {
  app.get(
    '/health',
    // 503 is the health answer itself (degraded), not an error body.
    { schema: { response: { 200: healthResponseSchema, ...errorResponses, 503: healthResponseSchema } } },
    async (_request, reply) => {
      const up = await isDatabaseUp(pool);
      return reply.status(up ? 200 : 503).send({
        status: up ? 'ok' : 'degraded',
        version: TALON_VERSION,
        db: up ? 'connected' : 'unreachable',
      });
    },
  );
};
