import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { BackupService } from '../../backup/backup-service.ts';
import { readBackupSettings } from '../../backup/settings.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { errorResponses } from '../error-schema.ts';
import { backupCreatedSchema, backupListSchema } from './backups-schemas.ts';

export interface BackupsRoutesOptions {
  backups: BackupService;
  settings: SettingsStore;
  dataDir: string;
}

/** The backups Talon wrote (every node's), and "back up now" (into this node's backup folder). */
export const backupsRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: BackupsRoutesOptions }> = async (
  app,
  { backups, settings, dataDir },
) => {
  app.get(
    '/api/backups',
    { schema: { response: { 200: backupListSchema, ...errorResponses } } },
    async () => {
      const current = readBackupSettings(settings, dataDir);
      return {
        backups: await backups.list(),
        folder: current.dir,
        schedule: current.schedule ?? null,
        scheduleProblem: current.scheduleProblem ?? null,
        keep: current.keep,
      };
    },
  );

  app.post(
    '/api/backups',
    { schema: { response: { 201: backupCreatedSchema, ...errorResponses } } },
    async (_request, reply) => {
      const backup = await backups.backupNow('admin');
      return reply.status(201).send({ backup });
    },
  );
};
