/**
 * JSON schemas of the login and session routes, and the wire types derived from them. No imports
 * with runtime code: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';

/** A password longer than this is not a password; the body cap keeps the attempt cheap. */
export const MAX_PASSWORD_LENGTH = 1024;

export const sessionResponseSchema = {
  type: 'object',
  required: ['authenticated', 'adminPasswordSet', 'csrfToken'],
  additionalProperties: false,
  properties: {
    authenticated: { type: 'boolean' },
    adminPasswordSet: { type: 'boolean' },
    csrfToken: { type: 'string' },
    /** When the session ends at the latest (ISO 8601). */
    expiresAt: { type: 'string', format: 'date-time' },
    totpEnrolled: { type: 'boolean' },
  },
} as const;

export const loginBodySchema = {
  type: 'object',
  required: ['password'],
  additionalProperties: false,
  properties: { password: { type: 'string', maxLength: MAX_PASSWORD_LENGTH } },
} as const;

export const loginResponseSchema = {
  type: 'object',
  required: ['authenticated', 'csrfToken'],
  additionalProperties: false,
  properties: { authenticated: { type: 'boolean', const: true }, csrfToken: { type: 'string' } },
} as const;

/** `GET /api/auth/session`. */
export type SessionInfo = FromSchema<typeof sessionResponseSchema>;
/** `POST /api/auth/login`. */
export type LoginRequest = FromSchema<typeof loginBodySchema>;
export type LoginResult = FromSchema<typeof loginResponseSchema>;
