import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyRequest } from 'fastify';
import { ANNOUNCEMENT_KINDS, type AnnouncementKind } from '../../announcements/announcements.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import { TalonError } from '../../errors.ts';
import { announcementSwitch } from '../../gateway/announcement-outbox.ts';
import type { TelegramGateway } from '../../gateway/gateway.ts';
import type { TelegramPreferencesChange, TelegramStatusView } from '../../gateway/wire-types.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { codeRequirementOf, settingChangeNeedsCode } from '../../settings/code-requirement.ts';
import { isTotpEnrolled } from '../../auth/step-up.ts';
import { findWorkflow } from '../../gateway/commands/workflow-commands.ts';
import type { WorkflowRecord } from '../../workflows/repository.ts';
import { errorResponses } from '../error-schema.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';

export interface TelegramRoutesOptions {
  gateway: TelegramGateway;
  settings: SettingsStore;
  audit: AuditLog;
  /** The workflows free text may go to; without them the choice is refused. */
  workflows?: { list(): Promise<WorkflowRecord[]> } | undefined;
}

const KINDS = Object.keys(ANNOUNCEMENT_KINDS) as AnnouncementKind[];

const statusResponse = {
  type: 'object',
  additionalProperties: false,
  required: [
    'state',
    'mode',
    'node',
    'bot',
    'chatId',
    'activeNode',
    'lastUpdateAt',
    'lastError',
    'webhookUrl',
    'apiRoot',
    'publicUrl',
    'refusedChats',
    'announcements',
    'dropped',
    'approveAdminStepUps',
    'freeTextWorkflow',
    'codeNeeded',
  ],
  properties: {
    state: { type: 'string' },
    mode: { type: 'string' },
    node: { type: 'string' },
    bot: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'username'],
          properties: { id: { type: 'number' }, username: { type: 'string' } },
        },
      ],
    },
    chatId: { type: 'string' },
    activeNode: { type: ['string', 'null'] },
    lastUpdateAt: { type: ['string', 'null'] },
    lastError: { type: ['string', 'null'] },
    webhookUrl: { type: ['string', 'null'] },
    apiRoot: { type: 'string' },
    publicUrl: { type: 'string' },
    approveAdminStepUps: { type: 'boolean' },
    freeTextWorkflow: { type: 'string' },
    codeNeeded: {
      type: 'object',
      additionalProperties: false,
      required: ['connection', 'preferences'],
      properties: { connection: { type: 'boolean' }, preferences: { type: 'boolean' } },
    },
    refusedChats: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['chatId', 'chatType', 'count', 'lastAt'],
        properties: {
          chatId: { type: 'string' },
          chatType: { type: 'string' },
          count: { type: 'number' },
          lastAt: { type: 'string' },
        },
      },
    },
    announcements: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'description', 'enabled'],
        properties: {
          kind: { type: 'string' },
          description: { type: 'string' },
          enabled: { type: 'boolean' },
        },
      },
    },
    dropped: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;

type PreferencesBody = TelegramPreferencesChange;

/**
 * The Telegram screen's API: status (connected as @bot, which node polls, the refused chat ids),
 * the connection (token, chat id, mode, API root — changing any needs a 2FA code, since they decide
 * whom Talon obeys), announcement switches, and a test message.
 */
export const telegramRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: TelegramRoutesOptions }> = async (
  app,
  { gateway, settings, audit, workflows },
) => {
  /** The name stored for a choice: the workflow's own name, so a prefix or an id reads clearly later. */
  const freeTextWorkflowName = async (wanted: string): Promise<string> => {
    const trimmed = wanted.trim();
    if (trimmed === '') return '';
    if (!workflows) {
      throw new TalonError('workflows_unavailable', 'Workflows are not available on this node', 503);
    }
    const match = findWorkflow(await workflows.list(), trimmed);
    if ('found' in match) return match.found.definition.name;
    throw new TalonError(
      'unknown_workflow',
      'ambiguous' in match
        ? `“${trimmed}” names ${match.ambiguous.length} workflows: choose one by its full name`
        : `No workflow is named “${trimmed}”`,
      400,
    );
  };

  /**
   * One code for a change of several settings, as their definitions require (settings/code-requirement.ts,
   * the same rule as PUT /api/settings/:key): none, once 2FA is enrolled, or always.
   */
  const stepUpFor = async (
    request: FastifyRequest,
    action: string,
    keys: readonly string[],
    code: string | undefined,
  ): Promise<void> => {
    const requirements = keys.map((key) => codeRequirementOf(key));
    if (requirements.every((requirement) => requirement === 'none')) return;
    await app.stepUp.verify({
      action,
      whenNotEnrolled: requirements.includes('always') ? 'refuse' : 'allow',
      code,
      actor: 'admin',
      source: clientAddress(request, settings),
      session: sessionTag(request),
      target: keys.join(','),
    });
  };

  const status = async (): Promise<TelegramStatusView> => {
    const current = await gateway.status();
    return {
      state: current.state,
      mode: current.mode,
      node: current.node,
      bot: current.bot,
      chatId: settings.getString('telegram.chat_id'),
      activeNode: current.activeNode,
      lastUpdateAt: current.lastUpdateAt,
      lastError: current.lastError,
      webhookUrl: current.webhookUrl,
      apiRoot: settings.getString('telegram.api_root'),
      publicUrl: settings.getString('server.public_url'),
      approveAdminStepUps: settings.getBoolean('telegram.approve_admin_step_ups', false),
      freeTextWorkflow: settings.getString('telegram.free_text_workflow'),
      codeNeeded: {
        connection: settingChangeNeedsCode('telegram.chat_id', isTotpEnrolled(settings)),
        preferences: settingChangeNeedsCode(announcementSwitch(KINDS[0]!), isTotpEnrolled(settings)),
      },
      refusedChats: await gateway.refusedChats(),
      announcements: KINDS.map((kind) => ({
        kind,
        description: ANNOUNCEMENT_KINDS[kind],
        enabled: settings.getBoolean(announcementSwitch(kind), true),
      })),
      dropped: current.dropped,
    };
  };

  app.get('/api/telegram', { schema: { response: { 200: statusResponse, ...errorResponses } } }, status);

  app.put(
    '/api/telegram/connection',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            botToken: { type: 'string', maxLength: 200, pattern: '^([0-9]+:[A-Za-z0-9_-]+)?$' },
            chatId: { type: 'string', maxLength: 32, pattern: '^(-?[0-9]+)?$' },
            mode: { type: 'string', enum: ['polling', 'webhook'] },
            apiRoot: { type: 'string', maxLength: 500, pattern: '^https?://[^\\s]+$' },
            totpCode: { type: 'string', maxLength: 16 },
          },
        },
        response: { 200: statusResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { botToken, chatId, mode, apiRoot, totpCode } = request.body;
      const changes: [string, string][] = [];
      if (botToken !== undefined && botToken !== '') changes.push(['telegram.bot_token', botToken]);
      if (chatId !== undefined) changes.push(['telegram.chat_id', chatId]);
      if (mode !== undefined) changes.push(['telegram.mode', mode]);
      if (apiRoot !== undefined) changes.push(['telegram.api_root', apiRoot.replace(/\/+$/, '')]);
      if (changes.length === 0)
        throw new TalonError('invalid_request', 'Send at least one of botToken, chatId, mode, apiRoot', 400);
      const source = clientAddress(request, settings);
      await stepUpFor(
        request,
        'telegram.connection',
        changes.map(([key]) => key),
        totpCode,
      );
      for (const [key, value] of changes) await settings.set(key, value);
      await audit.record({
        actor: 'admin',
        action: 'telegram.connection',
        outcome: 'succeeded',
        source,
        details: { changed: changes.map(([key]) => key) },
      });
      await gateway.restart();
      return status();
    },
  );

  app.put<{ Body: PreferencesBody }>(
    '/api/telegram/preferences',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            announcements: {
              type: 'object',
              additionalProperties: false,
              properties: Object.fromEntries(KINDS.map((kind) => [kind, { type: 'boolean' }])),
            },
            approveAdminStepUps: { type: 'boolean' },
            freeTextWorkflow: { type: 'string', maxLength: 200 },
            publicUrl: { type: 'string', maxLength: 500, pattern: '^(https://[^\\s]+)?$' },
            totpCode: { type: 'string', maxLength: 16 },
          },
        },
        response: { 200: statusResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { announcements = {}, approveAdminStepUps, publicUrl, freeTextWorkflow, totpCode } = request.body;
      // Checked before the code is spent, so a typo costs no code.
      const freeTextName =
        freeTextWorkflow === undefined ? undefined : await freeTextWorkflowName(freeTextWorkflow);
      const keys = [
        ...(freeTextName === undefined ? [] : ['telegram.free_text_workflow']),
        ...Object.keys(announcements).map((kind) => announcementSwitch(kind)),
        ...(approveAdminStepUps === undefined ? [] : ['telegram.approve_admin_step_ups']),
        ...(publicUrl === undefined ? [] : ['server.public_url']),
      ];
      await stepUpFor(request, 'telegram.preferences', keys, totpCode);
      for (const [kind, enabled] of Object.entries(announcements)) {
        await settings.set(announcementSwitch(kind), enabled, { type: 'boolean', category: 'telegram' });
      }
      if (approveAdminStepUps !== undefined) {
        await settings.set('telegram.approve_admin_step_ups', approveAdminStepUps, {
          type: 'boolean',
          category: 'telegram',
        });
      }
      if (publicUrl !== undefined) await settings.set('server.public_url', publicUrl.replace(/\/+$/, ''));
      if (freeTextName !== undefined) await settings.set('telegram.free_text_workflow', freeTextName);
      await audit.record({
        actor: 'admin',
        action: 'telegram.preferences',
        outcome: 'succeeded',
        source: clientAddress(request, settings),
        details: { announcements, approveAdminStepUps, publicUrl, freeTextWorkflow: freeTextName },
      });
      return status();
    },
  );

  app.post(
    '/api/telegram/test-message',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['sent'],
            properties: { sent: { type: 'boolean' } },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      await gateway.sendTestMessage();
      return { sent: true };
    },
  );
};
