import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
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
import { errorResponses } from '../error-schema.ts';
import {
  settingKeyParamsSchema,
  settingsListSchema,
  settingUpdateBodySchema,
  settingUpdatedSchema,
} from './settings-schemas.ts';

export interface SettingsRoutesOptions {
  settings: SettingsStore;
  audit: AuditLog;
}

function adminView(view: SettingView, totpEnrolled: boolean): AdminSettingView {
  return { ...view, requiresCode: settingChangeNeedsCode(view.key, totpEnrolled) };
}

/**
 * `GET /api/settings` (masked) and `PUT /api/settings/:key`. Changes apply at once (the store's
 * cache and listeners); sensitive values never leave the host in plaintext. Settings whose
 * definition says so (`requiresCode`) also need a fresh 2FA code.
 */
export const settingsRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: SettingsRoutesOptions }> = async (
  app,
  { settings, audit },
) => {
  app.get(
    '/api/settings',
    {
      schema: {
        response: { 200: settingsListSchema, ...errorResponses },
      },
    },
    async () => {
      const enrolled = isTotpEnrolled(settings);
      return { settings: settings.list().map((view) => adminView(view, enrolled)) };
    },
  );

  app.put(
    '/api/settings/:key',
    {
      schema: {
        params: settingKeyParamsSchema,
        body: settingUpdateBodySchema,
        response: { 200: settingUpdatedSchema, ...errorResponses },
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
