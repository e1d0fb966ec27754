import type { FastifyPluginAsync } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.ts';
import { TalonError } from '../../errors.ts';
import type { AdminSettingView, SettingView } from '../../settings/setting-view.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { serializeSettingValue } from '../../settings/value.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';
import { isTotpEnrolled } from '../../auth/step-up.ts';
import { codeRequirementOf, settingChangeNeedsCode } from '../../settings/code-requirement.ts';
import { managedElsewhere } from './setting-rules.ts';

export interface SettingsRoutesOptions {
  settings: SettingsStore;
  audit: AuditLog;
}

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
    'requiresCode',
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
    /**
     * Changing it now needs a fresh 2FA code (`totpCode`) as well as the session (or, for the
     * settings that need 2FA enrolled first, is refused until it is).
     */
    requiresCode: { type: 'boolean' },
  },
} as const;

function adminView(view: SettingView, totpEnrolled: boolean): AdminSettingView {
  return { ...view, requiresCode: settingChangeNeedsCode(view.key, totpEnrolled) };
}

interface UpdateBody {
  value?: string | number | boolean;
  clear?: boolean;
  totpCode?: string;
}

const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    value: { anyOf: [{ type: 'string', maxLength: 65_536 }, { type: 'number' }, { type: 'boolean' }] },
    clear: { type: 'boolean' },
    totpCode: { type: 'string', maxLength: 16 },
  },
} as const;

/**
 * `GET /api/settings` (masked) and `PUT /api/settings/:key`. Changes apply at once (the store's
 * cache and listeners); sensitive values never leave the host in plaintext. Settings whose
 * definition says so (`requiresCode`) also need a fresh 2FA code.
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
    async () => {
      const enrolled = isTotpEnrolled(settings);
      return { settings: settings.list().map((view) => adminView(view, enrolled)) };
    },
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
      const where = managedElsewhere(key);
      if (where) {
        throw new TalonError('setting_managed_elsewhere', `Setting ${key} is changed through ${where}`, 403);
      }
      const current = settings.view(key);
      if (!current) throw new TalonError('setting_not_found', `There is no setting ${key}`, 404);
      if (clear === true && value !== undefined) {
        throw new TalonError('invalid_request', 'Send either "value" or "clear": true, not both', 400);
      }
      if (clear !== true && value === undefined) {
        throw new TalonError('invalid_request', 'Send "value" (or "clear": true to empty the setting)', 400);
      }
      const sensitive = settings.isSensitive(key);
      // An empty submission for a secret means "keep it" (the form never shows the old value).
      const keep = sensitive && clear !== true && value === '';
      const next = clear === true ? '' : (value as string | number | boolean);
      const requirement = codeRequirementOf(key);
      if (requirement !== 'none') {
        // A value that does not fit is refused first, so a typo does not spend the code.
        if (!keep) serializeSettingValue(key, current.type, next);
        await app.stepUp.verify({
          action: 'settings.update',
          // Before enrolment there is nothing to step up with: these changes go through (the
          // dashboard says what that leaves open); the `always` ones are refused until then.
          whenNotEnrolled: requirement === 'once_enrolled' ? 'allow' : 'refuse',
          code: request.body.totpCode,
          actor: 'admin',
          source: clientAddress(request, settings),
          session: sessionTag(request),
          target: key,
        });
      }
      if (!keep) await settings.set(key, next);
      await audit.record({
        actor: 'admin',
        action: 'settings.update',
        target: key,
        outcome: 'succeeded',
        source: clientAddress(request, settings),
        details: { change: clear === true ? 'cleared' : keep ? 'kept' : 'set', sensitive },
      });
      return { setting: adminView(settings.view(key)!, isTotpEnrolled(settings)) };
    },
  );
};
