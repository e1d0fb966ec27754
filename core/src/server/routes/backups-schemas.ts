/**
 * JSON schemas of the backup routes (`/api/backups`) and the wire types derived from them. No imports
 * with runtime code: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const backupRecordSchema = {
  type: 'object',
  required: ['id', 'trigger', 'node', 'status', 'file', 'bytes', 'error', 'startedAt', 'finishedAt'],
  additionalProperties: false,
  properties: {
    id: { type: 'integer' },
    trigger: { type: 'string', enum: ['schedule', 'admin', 'cli'] },
    node: { type: 'string' },
    status: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
    file: { type: ['string', 'null'] },
    bytes: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
    startedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
  },
} as const;

export const backupListSchema = {
  type: 'object',
  required: ['backups', 'folder', 'schedule', 'scheduleProblem', 'keep'],
  additionalProperties: false,
  properties: {
    backups: { type: 'array', items: backupRecordSchema },
    /** Where this node writes archives. */
    folder: { type: 'string' },
    /** `backup.schedule` (UTC cron), null when none. */
    schedule: { type: ['string', 'null'] },
    /** Why the schedule is not used, when it is not a cron expression. */
    scheduleProblem: { type: ['string', 'null'] },
    keep: { type: 'integer' },
  },
} as const;

export const backupCreatedSchema = {
  type: 'object',
  required: ['backup'],
  additionalProperties: false,
  properties: { backup: backupRecordSchema },
} as const;

export type BackupRecordView = FromSchema<typeof backupRecordSchema>;
export type BackupList = FromSchema<typeof backupListSchema>;
