import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { sql } from 'slonik';
import { z } from 'zod';
import type { AdminSessions } from '../../auth/admin-sessions.ts';
import { isDatabaseUp, type DatabasePool } from '../../db/pool.ts';
import { TALON_VERSION } from '../../version.ts';
import { errorResponses } from '../error-schema.ts';
import { metricsSchema } from './metrics-schemas.ts';

export interface MetricsRoutesOptions {
  pool: DatabasePool;
  sessions: AdminSessions;
}

const databaseFigures = z.object({
  size_bytes: z.number(),
  connections: z.number(),
  server_version: z.string(),
});

/** Milliseconds with two decimals; null before the histogram has a sample (it reports NaN then). */
function nanosToMs(nanos: number): number | null {
  return Number.isFinite(nanos) ? Math.round(nanos / 1e4) / 100 : null;
}

/**
 * `GET /metrics` (session required; a page route, so unauthenticated it redirects to /login as in
 * AlexClaw): process figures and database figures as JSON. Sections for skills, workflows and
 * the gateway are added by the issues that build them.
 */
export const metricsRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: MetricsRoutesOptions }> = async (
  app,
  { pool, sessions },
) => {
  const eventLoop = monitorEventLoopDelay({ resolution: 20 });
  eventLoop.enable();
  app.addHook('onClose', async () => eventLoop.disable());

  app.get('/metrics', { schema: { response: { 200: metricsSchema, ...errorResponses } } }, async () => {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const up = await isDatabaseUp(pool);
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const figures = up
      ? await pool.one(sql.type(databaseFigures)`
          SELECT pg_database_size(current_database())::bigint::float8 AS size_bytes,
                 (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database()) AS connections,
                 current_setting('server_version') AS server_version`)
      : undefined;
    return {
      version: TALON_VERSION,
      system: {
        uptimeSeconds: Math.floor(process.uptime()),
        nodeVersion: process.version,
        pid: process.pid,
        memoryBytes: {
          rss: memory.rss,
          heapUsed: memory.heapUsed,
          heapTotal: memory.heapTotal,
          external: memory.external,
        },
        cpuSeconds: { user: cpu.user / 1e6, system: cpu.system / 1e6 },
        eventLoopDelayMs: {
          mean: nanosToMs(eventLoop.mean),
          p99: nanosToMs(eventLoop.percentile(99)),
        },
      },
      database: {
        status: up ? ('connected' as const) : ('unreachable' as const),
        latencyMs,
        sizeBytes: figures?.size_bytes ?? null,
        connections: figures?.connections ?? null,
        serverVersion: figures?.server_version ?? null,
      },
      auth: { openSessions: up ? await sessions.countOpen() : null },
    };
  });
};
