import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { DELIVERIES_PER_MINUTE, WAIT_LIMIT_MS } from '../../webhooks/webhook-receiver.ts';
import type { Requester, WebhookTrigger, WorkflowWebhooks } from '../../webhooks/workflow-webhooks.ts';
import { errorResponses, noContentSchema } from '../error-schema.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';
import {
  webhookSecretAnswerSchema,
  webhookSecretBodySchema,
  webhookTriggerAnswerSchema,
  webhookTriggerBodySchema,
  workflowWebhookParamsSchema,
  type WebhookTriggerView,
} from './webhook-schemas.ts';

export interface WebhookTriggerRoutesOptions {
  webhooks: WorkflowWebhooks;
  settings: SettingsStore;
  audit: AuditLog;
}

/** The address a sender is given: `server.public_url` + the path, or null while that is not set. */
function triggerView(trigger: WebhookTrigger, settings: SettingsStore): WebhookTriggerView {
  const path = `/webhooks/workflows/${trigger.workflowId}`;
  const base = settings.getString('server.public_url').replace(/\/+$/, '');
  return {
    enabled: trigger.enabled,
    wait: trigger.wait,
    path,
    url: base === '' ? null : `${base}${path}`,
    secretCreatedAt: trigger.secretCreatedAt,
    deliveriesPerMinute: DELIVERIES_PER_MINUTE,
    waitSeconds: WAIT_LIMIT_MS / 1000,
  };
}

/**
 * `/api/workflows/:id/webhook`: a workflow's signed webhook trigger in the admin. Switching it on
 * and a new secret need a 2FA code once 2FA is enrolled (they change who can start Talon's work);
 * the secret is in the one answer that made it, and never again.
 */
export const webhookTriggerRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: WebhookTriggerRoutesOptions;
}> = async (app, { webhooks, settings, audit }) => {
  const requester = (request: FastifyRequest): Requester => ({
    actor: 'admin',
    source: clientAddress(request, settings),
    session: sessionTag(request),
  });
  const record = (request: FastifyRequest, workflowId: string, change: string): Promise<void> =>
    audit.record({
      actor: 'admin',
      action: 'workflow.webhook',
      target: workflowId,
      outcome: 'succeeded',
      source: clientAddress(request, settings),
      details: { change },
    });

  app.get(
    '/api/workflows/:id/webhook',
    {
      schema: {
        params: workflowWebhookParamsSchema,
        response: { 200: webhookTriggerAnswerSchema, ...errorResponses },
      },
    },
    async (request) => {
      const trigger = await webhooks.get(request.params.id);
      return { trigger: trigger ? triggerView(trigger, settings) : null };
    },
  );

  app.put(
    '/api/workflows/:id/webhook',
    {
      schema: {
        params: workflowWebhookParamsSchema,
        body: webhookTriggerBodySchema,
        response: { 200: webhookTriggerAnswerSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { enabled, wait, totpCode } = request.body;
      const { trigger, secret } = await webhooks.configure(
        request.params.id,
        { enabled, wait },
        totpCode,
        requester(request),
      );
      await record(request, request.params.id, enabled ? (secret ? 'added' : 'enabled') : 'disabled');
      return { trigger: triggerView(trigger, settings), ...(secret ? { secret } : {}) };
    },
  );

  app.post(
    '/api/workflows/:id/webhook/secret',
    {
      schema: {
        params: workflowWebhookParamsSchema,
        body: webhookSecretBodySchema,
        response: { 200: webhookSecretAnswerSchema, ...errorResponses },
      },
    },
    async (request) => {
      const secret = await webhooks.regenerate(request.params.id, request.body.totpCode, requester(request));
      await record(request, request.params.id, 'secret regenerated');
      return { secret };
    },
  );

  app.delete(
    '/api/workflows/:id/webhook',
    {
      schema: { params: workflowWebhookParamsSchema, response: { 204: noContentSchema, ...errorResponses } },
    },
    async (request, reply) => {
      await webhooks.remove(request.params.id);
      await record(request, request.params.id, 'removed');
      return reply.status(204).send(null);
    },
  );
};
