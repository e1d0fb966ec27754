import type { FastifyPluginAsync } from 'fastify';
import type { AuditEntry, AuditLog } from '../../audit/audit-log.ts';
import { isTotpEnrolled } from '../../auth/step-up.ts';
import { isDatabaseUp, type DatabasePool } from '../../db/pool.ts';
import { openWithoutTwoFactor } from '../../settings/code-requirement.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { TALON_VERSION } from '../../version.ts';

export interface DashboardRoutesOptions {
  pool: DatabasePool;
  audit: AuditLog;
  settings: SettingsStore;
}

/** Whether 2FA is on, and while it is off, what a password-only session can change (shown in red). */
const twoFactorSchema = {
  type: 'object',
  required: ['enrolled'],
  additionalProperties: false,
  properties: {
    enrolled: { type: 'boolean' },
    openWithoutIt: {
      type: 'object',
      required: ['settings', 'other'],
      additionalProperties: false,
      properties: {
        settings: {
          type: 'array',
          items: {
            type: 'object',
            required: ['category', 'keys'],
            additionalProperties: false,
            properties: { category: { type: 'string' }, keys: { type: 'array', items: { type: 'string' } } },
          },
        },
        other: { type: 'array', items: { type: 'string' } },
      },
    },
  },
} as const;

export const RECENT_AUDIT_ENTRIES = 20;

/** An audit entry as the admin sees it: `at` as an ISO 8601 string. */
export const auditEntrySchema = {
  type: 'object',
  required: ['id', 'at', 'actor', 'action', 'target', 'outcome', 'reason', 'source', 'details'],
  additionalProperties: false,
  properties: {
    id: { type: 'integer' },
    at: { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    target: { type: ['string', 'null'] },
    outcome: { type: 'string', enum: ['allowed', 'denied', 'succeeded', 'failed'] },
    reason: { type: ['string', 'null'] },
    source: { type: ['string', 'null'] },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

export function presentAuditEntry(entry: AuditEntry): Omit<AuditEntry, 'at'> & { at: string } {
  // The id is a bigserial (pg hands it over as a bigint); the admin gets a plain number.
  return { ...entry, id: Number(entry.id), at: new Date(entry.at).toISOString() };
}

/**
 * `GET /api/dashboard`: what the admin's first screen shows. The audit list is skipped if the
 * database is down. While 2FA is off it lists what a password-only session can change.
 */
export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (
  app,
  { pool, audit, settings },
) => {
  app.get(
    '/api/dashboard',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['version', 'uptimeSeconds', 'db', 'recentAudit', 'twoFactor'],
            additionalProperties: false,
            properties: {
              version: { type: 'string' },
              uptimeSeconds: { type: 'integer' },
              db: { type: 'string', enum: ['connected', 'unreachable'] },
              recentAudit: { type: 'array', items: auditEntrySchema },
              twoFactor: twoFactorSchema,
            },
          },
        },
      },
    },
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
      };
    },
  );
};
