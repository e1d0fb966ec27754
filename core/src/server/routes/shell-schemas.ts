/**
 * The JSON schemas of the admin's Shell screen (`/api/shell`), with the wire types derived from
 * them. No runtime imports: the admin imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { errorBodySchema } from '../error-schema.ts';

export const shellStatusSchema = {
  type: 'object',
  required: [
    'enabled',
    'isolation',
    'timeoutSeconds',
    'maxOutputChars',
    'whitelist',
    'unusable',
    'whitelistNeedsCode',
  ],
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    /** Whether commands can be isolated on this node (the shell does not run otherwise). */
    isolation: {
      type: 'object',
      required: ['up', 'detail'],
      additionalProperties: false,
      properties: { up: { type: 'boolean' }, detail: { type: 'string' } },
    },
    timeoutSeconds: { type: 'integer' },
    maxOutputChars: { type: 'integer' },
    /** The entries in use, as written. */
    whitelist: { type: 'array', items: { type: 'string' } },
    /** Entries of the setting that cannot be read (never used), with why. */
    unusable: {
      type: 'array',
      items: {
        type: 'object',
        required: ['text', 'message'],
        additionalProperties: false,
        properties: { text: { type: 'string' }, message: { type: 'string' } },
      },
    },
    /** Changing the whitelist needs a 2FA code now. */
    whitelistNeedsCode: { type: 'boolean' },
  },
} as const;
export type ShellStatus = FromSchema<typeof shellStatusSchema>;

export const whitelistBodySchema = {
  type: 'object',
  required: ['entries'],
  additionalProperties: false,
  properties: {
    entries: { type: 'array', maxItems: 200, items: { type: 'string', maxLength: 500 } },
    totpCode: { type: 'string', maxLength: 20 },
  },
} as const;
export type WhitelistBody = FromSchema<typeof whitelistBodySchema>;

/** 400 for a whitelist with entries that cannot be read: each one with its position and why. */
export const whitelistErrorSchema = {
  ...errorBodySchema,
  properties: {
    ...errorBodySchema.properties,
    problems: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'path', 'text', 'message'],
        additionalProperties: false,
        properties: {
          index: { type: 'integer' },
          /** `/entries/<index>`, as the workflow routes name what is wrong. */
          path: { type: 'string' },
          text: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;
export type WhitelistErrorBody = FromSchema<typeof whitelistErrorSchema>;

export const shellRunBodySchema = {
  type: 'object',
  required: ['command'],
  additionalProperties: false,
  properties: {
    command: { type: 'string', minLength: 1, maxLength: 4000 },
    totpCode: { type: 'string', maxLength: 20 },
  },
} as const;
export type ShellRunBody = FromSchema<typeof shellRunBodySchema>;

export const shellRunAnswerSchema = {
  type: 'object',
  required: ['ok', 'branch', 'text'],
  additionalProperties: false,
  properties: {
    ok: { type: 'boolean' },
    /** on_success, on_error or on_timeout; null when the skill did not run. */
    branch: { type: ['string', 'null'] },
    /** What the owner reads: `$ command`, exit code, time, output. */
    text: { type: 'string' },
  },
} as const;
export type ShellRunAnswer = FromSchema<typeof shellRunAnswerSchema>;
