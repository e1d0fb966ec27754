/**
 * JSON schemas of the audit log routes (`/api/audit`, `/api/audit/export`) and the wire types derived
 * from them. No imports with runtime code: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { auditEntrySchema } from './dashboard-schemas.ts';

const filterProperties = {
  actor: { type: 'string', maxLength: 200 },
  action: { type: 'string', maxLength: 200 },
  outcome: { type: 'string', enum: ['allowed', 'denied', 'succeeded', 'failed'] },
  skill: { type: 'string', maxLength: 64 },
  /** ISO 8601 date or date-time: entries at or after it. */
  from: { type: 'string', format: 'date-time' },
  /** ISO 8601: entries before it. */
  to: { type: 'string', format: 'date-time' },
} as const;

export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...filterProperties,
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    /** The `nextBefore` of the previous page. */
    before: { type: 'integer', minimum: 1 },
  },
} as const;

export const auditExportQuerySchema = {
  type: 'object',
  required: ['format'],
  additionalProperties: false,
  properties: { ...filterProperties, format: { type: 'string', enum: ['csv', 'json'] } },
} as const;

export const auditPageSchema = {
  type: 'object',
  required: ['entries', 'nextBefore'],
  additionalProperties: false,
  properties: {
    entries: { type: 'array', items: auditEntrySchema },
    /** Pass as `before` for the next (older) page; null when this was the last. */
    nextBefore: { type: ['integer', 'null'] },
  },
} as const;

/** The export is a file: CSV, or a JSON array of entries. */
export const auditExportResponse = {
  200: {
    description: 'the filtered entries as a CSV or JSON file (at most 10,000, newest first)',
    content: {
      'text/csv': { schema: { type: 'string' } },
      'application/json': { schema: { type: 'string' } },
    },
  },
} as const;

export type AuditQuery = FromSchema<typeof auditQuerySchema>;
export type AuditFilterQuery = Omit<AuditQuery, 'limit' | 'before'>;
export type AuditPage = FromSchema<typeof auditPageSchema>;
