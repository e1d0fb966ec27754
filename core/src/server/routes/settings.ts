import type { FastifyPluginAsync } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.ts';
import { TalonError } from '../../errors.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { clientAddress } from '../security/client-info.ts';

export interface SettingsRoutesOptions {
  settings: SettingsStore;
  audit: AuditLog;
}

/**
 * Settings that only their own flow may change: editing the 2FA secret or flag here would turn
 * 2FA off without a code, which is exactly what `POST /api/auth/totp/disable` exists to prevent.
 */
const MANAGED_ELSEWHERE: readonly { prefix: string; where: string }[] = [
  { prefix: 'auth.totp.', where: 'the 2FA endpoints (/api/auth/totp/...)' },
];

const settingView = {
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
  ],
  additionalProperties: false,
  properties: {
    key: { type: 'string' },
    value: { type: 'string' },
    type: { type: 'string' },
    description: { type: 'string' },
    category: { type: 'string' },
    sensitive: { type: 'boolean' },
    hasValue: { type: 'boolean' },
    unreadable: { type: 'boolean' },
    updatedAt: { type: 'string' },
  },
} as const;

interface UpdateBody {
  value?: string | number | boolean;
  clear?: boolean;
}

const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    value: { anyOf: [{ type: 'string', maxLength: 65_536 }, { type: 'number' }, { type: 'boolean' }] },
    clear: { type: 'boolean' },
  },
} as const;

/**
 * `GET /api/settings` (masked) and `PUT /api/settings/:key`. Changes apply at once (the store's
 * cache and listeners); sensitive values never leave the host in plaintext.
 */
export const settingsRoutes: FastifyPluginAsync<SettingsRoutesOptions> = async (app, { settings, audit }) => {
  app.get(
    '/api/settings',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['settings'],
            additionalProperties: false,
            properties: { settings: { type: 'array', items: settingView } },
          },
        },
      },
    },
    async () => ({ settings: settings.list() }),
  );

  app.put<{ Params: { key: string }; Body: UpdateBody }>(
    '/api/settings/:key',
    {
      schema: {
        params: {
          type: 'object',
          required: ['key'],
          properties: { key: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        body: updateBody,
        response: {
          200: {
            type: 'object',
            required: ['setting'],
            additionalProperties: false,
            properties: { setting: settingView },
          },
        },
      },
    },
    async (request) => {
      const { key } = request.params;
      const { value, clear } = request.body;
      const managed = MANAGED_ELSEWHERE.find((entry) => key.startsWith(entry.prefix));
      if (managed) {
        throw new TalonError(
          'setting_managed_elsewhere',
          `Setting ${key} is changed through ${managed.where}`,
          403,
        );
      }
      if (!settings.view(key)) throw new TalonError('setting_not_found', `There is no setting ${key}`, 404);
      if (clear === true && value !== undefined) {
        throw new TalonError('invalid_request', 'Send either "value" or "clear": true, not both', 400);
      }
      if (clear !== true && value === undefined) {
        throw new TalonError('invalid_request', 'Send "value" (or "clear": true to empty the setting)', 400);
      }
      const sensitive = settings.isSensitive(key);
      // An empty submission for a secret means "keep it" (the form never shows the old value).
      const keep = sensitive && clear !== true && value === '';
      if (!keep) await settings.set(key, clear === true ? '' : (value as string | number | boolean));
      await audit.record({
        actor: 'admin',
        action: 'settings.update',
        target: key,
        outcome: 'succeeded',
        source: clientAddress(request, settings),
        details: { change: clear === true ? 'cleared' : keep ? 'kept' : 'set', sensitive },
      });
      return { setting: settings.view(key)! };
    },
  );
};
