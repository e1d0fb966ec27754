/**
 * JSON schemas of the 2FA routes (`/api/auth/totp/...`) and the wire types derived from them. No
 * imports with runtime code: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';

/** Codes are six digits; the cap only keeps junk out (the code check itself says what is wrong). */
const codeProperty = { type: 'string', minLength: 1, maxLength: 32 } as const;

export const totpStatusSchema = {
  type: 'object',
  required: ['enrolled', 'pending'],
  additionalProperties: false,
  properties: {
    enrolled: { type: 'boolean' },
    /** An enrolment was started and waits for its first code. */
    pending: { type: 'boolean' },
  },
} as const;

export const totpEnrolmentSchema = {
  type: 'object',
  required: ['secret', 'otpauthUri', 'qrSvg'],
  additionalProperties: false,
  properties: {
    /** Base32, for typing into an authenticator by hand. */
    secret: { type: 'string' },
    otpauthUri: { type: 'string' },
    /** An SVG document of the QR code for `otpauthUri`. */
    qrSvg: { type: 'string' },
  },
} as const;

export const totpEnrolledSchema = {
  type: 'object',
  required: ['enrolled'],
  additionalProperties: false,
  properties: { enrolled: { type: 'boolean' } },
} as const;

export const totpConfirmBodySchema = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: codeProperty },
} as const;

export const totpDisableBodySchema = {
  type: 'object',
  required: ['totpCode'],
  additionalProperties: false,
  properties: { totpCode: codeProperty },
} as const;

export type TotpStatus = FromSchema<typeof totpStatusSchema>;
export type TotpEnrolment = FromSchema<typeof totpEnrolmentSchema>;
export type TotpEnrolled = FromSchema<typeof totpEnrolledSchema>;
