/** The JSON schema of `GET /health` and the type derived from it (no runtime imports: the admin may import the type). */
import type { FromSchema } from 'json-schema-to-ts';

export const healthResponseSchema = {
  type: 'object',
  required: ['status', 'version', 'db'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    version: { type: 'string' },
    db: { type: 'string', enum: ['connected', 'unreachable'] },
  },
} as const;

export type HealthResponse = FromSchema<typeof healthResponseSchema>;
