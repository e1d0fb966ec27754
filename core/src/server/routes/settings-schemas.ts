/**
 * JSON schemas of `/api/settings` and the wire types derived from them. No imports with runtime code
 * beyond constants: the admin UI imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { SETTING_TYPES } from '../../settings/setting-view.ts';

/** A setting as the admin API sends it: masked when sensitive, never the plaintext of a secret. */
export const settingViewSchema = {
  type: 'object',
  required: [
    'key',
    'value',
    'type',
    'description',
    'category',
    'sensitive',
    'hasValue',
    'unreadable',
    'updatedAt',
    'requiresCode',
  ],
  additionalProperties: false,
  properties: {
    key: { type: 'string' },
    value: { type: 'string' },
    type: { type: 'string', enum: [...SETTING_TYPES] },
    description: { type: 'string' },
    category: { type: 'string' },
    sensitive: { type: 'boolean' },
    hasValue: { type: 'boolean' },
    unreadable: { type: 'boolean' },
    updatedAt: { type: 'string' },
    /**
     * Changing it now needs a fresh 2FA code (`totpCode`) as well as the session (or, for the
     * settings that need 2FA enrolled first, is refused until it is).
     */
    requiresCode: { type: 'boolean' },
  },
} as const;

export const settingsListSchema = {
  type: 'object',
  required: ['settings'],
  additionalProperties: false,
  properties: { settings: { type: 'array', items: settingViewSchema } },
} as const;

export const settingKeyParamsSchema = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/**
 * `PUT /api/settings/:key`: `value`, or `clear: true`; an empty `value` for a sensitive setting keeps
 * the stored secret; a setting with `requiresCode` also needs `totpCode`.
 */
export const settingUpdateBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    value: { anyOf: [{ type: 'string', maxLength: 65_536 }, { type: 'number' }, { type: 'boolean' }] },
    clear: { type: 'boolean' },
    totpCode: { type: 'string', maxLength: 16 },
  },
} as const;

export const settingUpdatedSchema = {
  type: 'object',
  required: ['setting'],
  additionalProperties: false,
  properties: { setting: settingViewSchema },
} as const;

export type Setting = FromSchema<typeof settingViewSchema>;
export type SettingsList = FromSchema<typeof settingsListSchema>;
export type SettingUpdateRequest = FromSchema<typeof settingUpdateBodySchema>;
export type SettingUpdated = FromSchema<typeof settingUpdatedSchema>;
