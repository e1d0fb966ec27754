import type { FastifyPluginAsync } from 'fastify';
import { isDatabaseUp, type DatabasePool } from '../../db/pool.ts';
import { TALON_VERSION } from '../../version.ts';

const healthResponse = {
  type: 'object',
  required: ['status', 'version', 'db'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    version: { type: 'string' },
    db: { type: 'string', enum: ['connected', 'unreachable'] },
  },
} as const;

/** `GET /health` (public): 200 while the database answers, 503 when it does not. */
export const healthRoutes: FastifyPluginAsync<{ pool: DatabasePool }> = async (app, { pool }) => {
  app.get(
    '/health',
    { schema: { response: { 200: healthResponse, 503: healthResponse } } },
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
