/**
 * JSON schemas of `GET /api/dashboard` and the audit entries it shows, and the wire types derived
 * from them. No imports with runtime code: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';

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

/** Whether 2FA is on, and while it is off, what a password-only session can change (shown in red). */
export const twoFactorPanelSchema = {
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

/** The second wall around skill workers (skill-runtime/src/sandbox/wall.ts), checked at start. */
export const sandboxWallSchema = {
  type: 'object',
  required: ['up', 'mechanism', 'detail'],
  additionalProperties: false,
  properties: {
    up: { type: 'boolean' },
    mechanism: { type: 'string', enum: ['bubblewrap', 'none'] },
    detail: { type: 'string' },
  },
} as const;

export const dashboardSchema = {
  type: 'object',
  required: ['version', 'uptimeSeconds', 'db', 'recentAudit', 'twoFactor'],
  additionalProperties: false,
  properties: {
    version: { type: 'string' },
    uptimeSeconds: { type: 'integer' },
    db: { type: 'string', enum: ['connected', 'unreachable'] },
    recentAudit: { type: 'array', items: auditEntrySchema },
    twoFactor: twoFactorPanelSchema,
    sandboxWall: sandboxWallSchema,
  },
} as const;

export type AuditEntryView = FromSchema<typeof auditEntrySchema>;
export type AuditOutcome = AuditEntryView['outcome'];
export type Dashboard = FromSchema<typeof dashboardSchema>;
