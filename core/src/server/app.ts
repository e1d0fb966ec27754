import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import type { TalonConfig } from '../config/env.ts';
import type { DatabasePool } from '../db/pool.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { installErrorHandler } from './error-handler.ts';
import { healthRoutes } from './routes/health.ts';

export interface AppDependencies {
  config: TalonConfig;
  logger: Logger;
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
}

/** Request bodies larger than this are refused with 413 before any handler runs. */
export const BODY_LIMIT_BYTES = 1_048_576;

/** Builds the Fastify app without listening, so tests drive it with `app.inject()`. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    disableRequestLogging: false,
    trustProxy: false,
    return503OnClosing: true,
  });
  installErrorHandler(app);
  await app.register(healthRoutes, { pool: deps.pool });
  return app;
}
