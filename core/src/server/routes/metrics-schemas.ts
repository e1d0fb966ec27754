/**
 * The JSON schema of `GET /metrics` and the type derived from it. No imports with runtime code: the
 * admin UI may import the type.
 */
import type { FromSchema } from 'json-schema-to-ts';

const nullableNumber = { type: ['number', 'null'] } as const;

export const metricsSchema = {
  type: 'object',
  required: ['version', 'system', 'database', 'auth'],
  additionalProperties: false,
  properties: {
    version: { type: 'string' },
    system: {
      type: 'object',
      additionalProperties: false,
      properties: {
        uptimeSeconds: { type: 'integer' },
        nodeVersion: { type: 'string' },
        pid: { type: 'integer' },
        memoryBytes: {
          type: 'object',
          additionalProperties: false,
          properties: {
            rss: { type: 'number' },
            heapUsed: { type: 'number' },
            heapTotal: { type: 'number' },
            external: { type: 'number' },
          },
        },
        cpuSeconds: {
          type: 'object',
          additionalProperties: false,
          properties: { user: { type: 'number' }, system: { type: 'number' } },
        },
        eventLoopDelayMs: {
          type: 'object',
          additionalProperties: false,
          properties: { mean: nullableNumber, p99: nullableNumber },
        },
      },
    },
    database: {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: ['connected', 'unreachable'] },
        latencyMs: { type: 'number' },
        sizeBytes: nullableNumber,
        connections: nullableNumber,
        serverVersion: { type: ['string', 'null'] },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: { openSessions: nullableNumber },
    },
  },
} as const;

export type Metrics = FromSchema<typeof metricsSchema>;
