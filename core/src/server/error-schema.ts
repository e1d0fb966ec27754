/**
 * The one error body every route answers with (error-handler.ts sends it), as a JSON schema and the
 * type derived from it. No imports with runtime code: the admin UI imports these as types.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const errorBodySchema = {
  type: 'object',
  required: ['error', 'message'],
  additionalProperties: false,
  properties: {
    /** A stable machine-readable code (`unauthenticated`, `invalid_request`, `totp_required`...). */
    error: { type: 'string' },
    /** What is wrong, in words a person can act on. */
    message: { type: 'string' },
    /** On 429: how long to wait before trying again (also in the Retry-After header). */
    retryAfterSeconds: { type: 'integer' },
  },
} as const;

export type ErrorBody = FromSchema<typeof errorBodySchema>;

/** Every 4xx and 5xx a route can answer (its own errors, the session check, CSRF, rate limits, bad input). */
export const errorResponses = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;

/** A 204 answer, which has no body. */
export const noContentSchema = { type: 'null' } as const;
