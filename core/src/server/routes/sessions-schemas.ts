/**
 * JSON schemas of the Sessions screen's routes (`/api/sessions`) and the wire types derived from them.
 * No imports with runtime code: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const openSessionSchema = {
  type: 'object',
  required: ['id', 'source', 'userAgent', 'createdAt', 'lastSeenAt', 'current'],
  additionalProperties: false,
  properties: {
    /** Names the session (a hash of its id), never the id itself. */
    id: { type: 'string' },
    /** The client address it was opened from. */
    source: { type: 'string' },
    userAgent: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    lastSeenAt: { type: 'string' },
    /** The session this request came with. */
    current: { type: 'boolean' },
  },
} as const;

export const sessionListSchema = {
  type: 'object',
  required: ['sessions', 'codeRequired'],
  additionalProperties: false,
  properties: {
    sessions: { type: 'array', items: openSessionSchema },
    /** Ending another session needs a fresh 2FA code (once 2FA is enrolled). */
    codeRequired: { type: 'boolean' },
  },
} as const;

export const sessionIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
} as const;

export const endSessionBody = {
  type: 'object',
  additionalProperties: false,
  properties: { totpCode: { type: 'string', maxLength: 16 } },
} as const;

export const sessionsEndedSchema = {
  type: 'object',
  required: ['ended'],
  additionalProperties: false,
  properties: { ended: { type: 'integer' } },
} as const;

export type OpenSessionView = FromSchema<typeof openSessionSchema>;
export type SessionList = FromSchema<typeof sessionListSchema>;
export type SessionsEnded = FromSchema<typeof sessionsEndedSchema>;
