import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.ts';
import { isTotpEnrolled } from '../../auth/step-up.ts';
import { codeRequirementOf, settingChangeNeedsCode } from '../../settings/code-requirement.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { SHELL_WHITELIST_SETTING } from '../../shell/settings.ts';
import type { ShellHost } from '../../shell/shell-host.ts';
import type { ShellService } from '../../shell/shell-service.ts';
import { parseWhitelistEntry } from '../../shell/whitelist-grammar.ts';
import { errorResponses } from '../error-schema.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';
import {
  shellRunAnswerSchema,
  shellRunBodySchema,
  shellStatusSchema,
  whitelistBodySchema,
  whitelistErrorSchema,
  type ShellStatus,
} from './shell-schemas.ts';

export interface ShellRoutesOptions {
  host: ShellHost;
  service: ShellService;
  settings: SettingsStore;
  audit: AuditLog;
}

/**
 * `/api/shell`: the admin's Shell screen — whether the shell is on and isolated, the whitelist
 * (edited here, checked entry by entry, with a 2FA code once enrolled) and running one command,
 * which always needs a fresh code for exactly that command.
 */
export const shellRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: ShellRoutesOptions }> = async (
  app,
  { host, service, settings, audit },
) => {
  const status = (): ShellStatus => {
    const current = host.settings();
    return {
      enabled: current.enabled,
      isolation: host.jail.status,
      timeoutSeconds: current.timeoutSeconds,
      maxOutputChars: current.maxOutputChars,
      whitelist: current.whitelist.entries.map((entry) => entry.text),
      unusable: [...current.whitelist.unusable],
      whitelistNeedsCode: settingChangeNeedsCode(SHELL_WHITELIST_SETTING, isTotpEnrolled(settings)),
    };
  };
  const requester = (request: FastifyRequest) => ({
    actor: 'admin',
    source: clientAddress(request, settings),
    session: sessionTag(request),
  });

  app.get('/api/shell', { schema: { response: { 200: shellStatusSchema, ...errorResponses } } }, async () =>
    status(),
  );

  app.put(
    '/api/shell/whitelist',
    {
      schema: {
        body: whitelistBodySchema,
        response: { 200: shellStatusSchema, ...errorResponses, 400: whitelistErrorSchema },
      },
    },
    async (request, reply) => {
      const entries = request.body.entries.map((entry) => entry.trim()).filter((entry) => entry !== '');
      const problems = entries.flatMap((text, index) => {
        const parsed = parseWhitelistEntry(text);
        return parsed.ok ? [] : [{ index, path: `/entries/${index}`, text, message: parsed.message }];
      });
      if (problems.length > 0) {
        return reply.status(400).send({
          error: 'whitelist_invalid',
          message: `${problems.length} whitelist entr${problems.length === 1 ? 'y is' : 'ies are'} not valid: ${problems[0]!.message}`,
          problems,
        });
      }
      const requirement = codeRequirementOf(SHELL_WHITELIST_SETTING);
      if (requirement !== 'none') {
        await app.stepUp.verify({
          action: 'settings.update',
          whenNotEnrolled: requirement === 'once_enrolled' ? 'allow' : 'refuse',
          code: request.body.totpCode,
          ...requester(request),
          target: SHELL_WHITELIST_SETTING,
        });
      }
      await settings.set(SHELL_WHITELIST_SETTING, entries);
      await audit.record({
        actor: 'admin',
        action: 'settings.update',
        target: SHELL_WHITELIST_SETTING,
        outcome: 'succeeded',
        source: clientAddress(request, settings),
        details: { change: 'set', entries: entries.length },
      });
      return status();
    },
  );

  app.post(
    '/api/shell/run',
    { schema: { body: shellRunBodySchema, response: { 200: shellRunAnswerSchema, ...errorResponses } } },
    async (request) => {
      const report = await service.approveAndRun(
        request.body.command,
        request.body.totpCode,
        requester(request),
      );
      return { ok: report.ok, branch: report.branch, text: report.text };
    },
  );
};
