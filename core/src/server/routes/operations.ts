import type { FastifyInstance } from 'fastify';
import type { OperationsServices } from '../../operations-services.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { activityRoutes } from './activity.ts';
import { backupsRoutes } from './backups.ts';
import { logsRoutes } from './logs.ts';

/** The operator's routes that need the operations services: plots, logs, backups. */
export async function registerOperationsRoutes(
  app: FastifyInstance,
  options: { operations: OperationsServices; settings: SettingsStore; dataDir: string },
): Promise<void> {
  const { operations } = options;
  await app.register(activityRoutes, { metrics: operations.metrics });
  if (operations.logs) await app.register(logsRoutes, { logs: operations.logs });
  await app.register(backupsRoutes, {
    backups: operations.backups,
    settings: options.settings,
    dataDir: options.dataDir,
  });
}
