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

/** One part of Talon and how it is doing (health/component-health.ts). */
export const componentHealthSchema = {
  type: 'object',
  required: ['id', 'label', 'state', 'detail'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    label: { type: 'string' },
    state: { type: 'string', enum: ['ok', 'degraded', 'down', 'off'] },
    detail: { type: 'string' },
  },
} as const;

/** A finding of `talon doctor` (health/finding.ts). */
export const findingSchema = {
  type: 'object',
  required: ['check', 'severity', 'title', 'detail'],
  additionalProperties: false,
  properties: {
    check: { type: 'string' },
    severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
    title: { type: 'string' },
    detail: { type: 'string' },
    fix: { type: 'string' },
  },
} as const;

/** What the operator sees at a glance: health, work in flight, what went wrong lately, the doctor. */
export const operationsPanelSchema = {
  type: 'object',
  required: [
    'node',
    'health',
    'findings',
    'runsInFlight',
    'openCircuits',
    'pendingSkills',
    'recentFailures',
    'alerts',
  ],
  additionalProperties: false,
  properties: {
    /** The node that served this page. */
    node: { type: 'string' },
    health: { type: 'array', items: componentHealthSchema },
    /** Worst first. */
    findings: { type: 'array', items: findingSchema },
    runsInFlight: {
      type: 'object',
      required: ['queued', 'running', 'waiting2fa'],
      additionalProperties: false,
      properties: {
        queued: { type: 'integer' },
        running: { type: 'integer' },
        waiting2fa: { type: 'integer' },
      },
    },
    openCircuits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['skill', 'state', 'failures', 'lastError'],
        additionalProperties: false,
        properties: {
          skill: { type: 'string' },
          state: { type: 'string', enum: ['open', 'half_open'] },
          failures: { type: 'integer' },
          lastError: { type: ['string', 'null'] },
        },
      },
    },
    pendingSkills: { type: 'array', items: { type: 'string' } },
    recentFailures: {
      type: 'array',
      items: {
        type: 'object',
        required: ['runId', 'workflowId', 'workflowName', 'errorCode', 'errorMessage', 'finishedAt'],
        additionalProperties: false,
        properties: {
          runId: { type: 'string' },
          workflowId: { type: 'string' },
          workflowName: { type: 'string' },
          errorCode: { type: ['string', 'null'] },
          errorMessage: { type: ['string', 'null'] },
          finishedAt: { type: 'string' },
        },
      },
    },
    /** What Talon announced (or would have, on Telegram) lately, newest first. */
    alerts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'text', 'at'],
        additionalProperties: false,
        properties: { kind: { type: 'string' }, text: { type: 'string' }, at: { type: 'string' } },
      },
    },
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
    operations: operationsPanelSchema,
  },
} as const;

export type AuditEntryView = FromSchema<typeof auditEntrySchema>;
export type AuditOutcome = AuditEntryView['outcome'];
export type Dashboard = FromSchema<typeof dashboardSchema>;
export type OperationsPanel = FromSchema<typeof operationsPanelSchema>;
export type ComponentHealthView = FromSchema<typeof componentHealthSchema>;
export type FindingView = FromSchema<typeof findingSchema>;
