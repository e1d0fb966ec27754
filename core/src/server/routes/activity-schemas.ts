/**
 * JSON schema of `GET /api/activity` (what the dashboard plots) and its wire type. No imports with
 * runtime code: the admin UI imports the type.
 */
import type { FromSchema } from 'json-schema-to-ts';

const nullableMs = { type: ['number', 'null'] } as const;

export const activityQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { hours: { type: 'integer', enum: [24, 168], default: 168 } },
} as const;

export const activitySchema = {
  type: 'object',
  required: [
    'from',
    'to',
    'runsPerHour',
    'skillLatencyPerHour',
    'callsPerSkill',
    'llmTokensPerDay',
    'loginFailuresPerHour',
  ],
  additionalProperties: false,
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    runsPerHour: {
      type: 'array',
      items: {
        type: 'object',
        required: ['hour', 'completed', 'failed', 'cancelled'],
        additionalProperties: false,
        properties: {
          hour: { type: 'string' },
          completed: { type: 'integer' },
          failed: { type: 'integer' },
          cancelled: { type: 'integer' },
        },
      },
    },
    skillLatencyPerHour: {
      type: 'array',
      items: {
        type: 'object',
        required: ['hour', 'calls', 'p50Ms', 'p99Ms'],
        additionalProperties: false,
        properties: {
          hour: { type: 'string' },
          calls: { type: 'integer' },
          p50Ms: nullableMs,
          p99Ms: nullableMs,
        },
      },
    },
    callsPerSkill: {
      type: 'array',
      items: {
        type: 'object',
        required: ['skill', 'calls', 'failures', 'p50Ms', 'p99Ms'],
        additionalProperties: false,
        properties: {
          skill: { type: 'string' },
          calls: { type: 'integer' },
          failures: { type: 'integer' },
          p50Ms: nullableMs,
          p99Ms: nullableMs,
        },
      },
    },
    llmTokensPerDay: {
      type: 'array',
      items: {
        type: 'object',
        required: ['day', 'providerId', 'provider', 'requests', 'tokens'],
        additionalProperties: false,
        properties: {
          day: { type: 'string' },
          providerId: { type: 'string' },
          provider: { type: 'string' },
          requests: { type: 'integer' },
          tokens: { type: 'integer' },
        },
      },
    },
    loginFailuresPerHour: {
      type: 'array',
      items: {
        type: 'object',
        required: ['hour', 'failures'],
        additionalProperties: false,
        properties: { hour: { type: 'string' }, failures: { type: 'integer' } },
      },
    },
  },
} as const;

export type ActivityView = FromSchema<typeof activitySchema>;
