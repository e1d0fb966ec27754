import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { errorResponses } from '../error-schema.ts';
import { activityQuerySchema, activitySchema } from './activity-schemas.ts';

export interface ActivityRoutesOptions {
  metrics: Pick<Metrics, 'activity'>;
}

/** `GET /api/activity?hours=24|168`: what the dashboard plots, from the rollup tables. */
export const activityRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: ActivityRoutesOptions }> = async (
  app,
  { metrics },
) => {
  app.get(
    '/api/activity',
    { schema: { querystring: activityQuerySchema, response: { 200: activitySchema, ...errorResponses } } },
    async (request) => {
      const report = await metrics.activity(request.query.hours ?? 168);
      // Counts are whole numbers; a provider's tokens sum as float8 in SQL.
      return {
        ...report,
        llmTokensPerDay: report.llmTokensPerDay.map((row) => ({ ...row, tokens: Math.round(row.tokens) })),
      };
    },
  );
};
