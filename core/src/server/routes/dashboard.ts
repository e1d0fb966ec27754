import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { AuditEntry, AuditLog } from '../../audit/audit-log.ts';
import { isTotpEnrolled } from '../../auth/step-up.ts';
import { isDatabaseUp, type DatabasePool } from '../../db/pool.ts';
import { openWithoutTwoFactor } from '../../settings/code-requirement.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { TALON_VERSION } from '../../version.ts';
import type { WallStatus } from '@talon/skill-runtime/sandbox/wall.ts';
import type { OperationsServices } from '../../operations-services.ts';
import { errorResponses } from '../error-schema.ts';
import { dashboardSchema, type AuditEntryView } from './dashboard-schemas.ts';

export interface DashboardRoutesOptions {
  pool: DatabasePool;
  audit: AuditLog;
  settings: SettingsStore;
  /** Whether the second wall around skill workers stands (shown here, never on the public /health). */
  sandboxWall?: (() => Promise<WallStatus>) | undefined;
  /** Health of each part, work in flight, recent failures and alerts, the doctor's findings. */
  operations?: Pick<OperationsServices, 'panel'> | undefined;
}

export const RECENT_AUDIT_ENTRIES = 20;

export function presentAuditEntry(entry: AuditEntry): AuditEntryView {
  // The id is a bigserial (pg hands it over as a bigint); the admin gets a plain number.
  return { ...entry, id: Number(entry.id), at: new Date(entry.at).toISOString() };
}

/**
 * `GET /api/dashboard`: what the admin's first screen shows. The audit list is skipped if the
 * database is down. While 2FA is off it lists what a password-only session can change.
 */
export const dashboardRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: DashboardRoutesOptions }> = async (
  app,
  { pool, audit, settings, sandboxWall, operations },
) => {
  app.get(
    '/api/dashboard',
    { schema: { response: { 200: dashboardSchema, ...errorResponses } } },
    async () => {
      const up = await isDatabaseUp(pool);
      const recentAudit = up ? await audit.recent({ limit: RECENT_AUDIT_ENTRIES }) : [];
      return {
        version: TALON_VERSION,
        uptimeSeconds: Math.floor(process.uptime()),
        db: up ? ('connected' as const) : ('unreachable' as const),
        recentAudit: recentAudit.map(presentAuditEntry),
        twoFactor: isTotpEnrolled(settings)
          ? { enrolled: true }
          : { enrolled: false, openWithoutIt: openWithoutTwoFactor() },
        ...(sandboxWall ? { sandboxWall: await sandboxWall() } : {}),
        ...(operations && up ? { operations: await operations.panel() } : {}),
      };
    },
  );
};
