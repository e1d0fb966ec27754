import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyRequest } from 'fastify';
import { AuthError } from '../../auth/auth-errors.ts';
import { TalonError } from '../../errors.ts';
import type { GithubWebhookReceiver } from '../../github/webhook-receiver.ts';
import type { WorkflowWebhookReceiver } from '../../webhooks/webhook-receiver.ts';
import { BODY_LIMIT_BYTES } from '../app.ts';
import { errorResponses } from '../error-schema.ts';
import {
  githubWebhookAnswerSchema,
  workflowWebhookAnswerSchema,
  workflowWebhookParamsSchema,
} from './webhook-schemas.ts';

export interface WebhookRoutesOptions {
  github: GithubWebhookReceiver | undefined;
  workflows: WorkflowWebhookReceiver | undefined;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/**
 * The signed webhooks (public: on the list in public-routes.ts, no session, no CSRF token): the
 * body is kept as the raw bytes that were signed, at most 1 MiB (413 beyond), whatever its type;
 * each receiver checks the signature before it reads anything else.
 */
export const webhookRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: WebhookRoutesOptions }> = async (
  app,
  { github, workflows },
) => {
  // In this plugin only: every body as bytes, so the signature is checked over exactly what came.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) =>
    done(null, body),
  );

  const unavailable = (what: string): TalonError =>
    new TalonError('webhooks_unavailable', `${what} are not received on this node`, 503);

  app.post(
    '/webhooks/github',
    { schema: { response: { 200: githubWebhookAnswerSchema, ...errorResponses } } },
    async (request) => {
      if (!github) throw unavailable('GitHub deliveries');
      const outcome = await github.receive({
        signature: header(request, 'x-hub-signature-256'),
        event: header(request, 'x-github-event'),
        deliveryId: header(request, 'x-github-delivery'),
        contentType: header(request, 'content-type'),
        body: rawBody(request.body),
      });
      if (!outcome.ok) throw new TalonError(outcome.error, outcome.message, outcome.status);
      return outcome.answer;
    },
  );

  app.post(
    '/webhooks/workflows/:id',
    {
      schema: {
        params: workflowWebhookParamsSchema,
        response: { 200: workflowWebhookAnswerSchema, 202: workflowWebhookAnswerSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!workflows) throw unavailable('Workflow webhooks');
      const outcome = await workflows.receive({
        workflowId: request.params.id,
        headers: {
          id: header(request, 'webhook-id'),
          timestamp: header(request, 'webhook-timestamp'),
          signature: header(request, 'webhook-signature'),
        },
        contentType: header(request, 'content-type'),
        body: rawBody(request.body),
      });
      if (!outcome.ok) {
        if (outcome.retryAfterSeconds !== undefined) {
          throw new AuthError(outcome.error, outcome.message, outcome.status, outcome.retryAfterSeconds);
        }
        throw new TalonError(outcome.error, outcome.message, outcome.status);
      }
      const { run } = outcome;
      const ended = run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled';
      return reply.status(outcome.status).send({
        runId: run.id,
        status: run.status,
        duplicate: outcome.duplicate,
        ...(ended
          ? {
              output: run.output ?? null,
              error: run.error_code ? { code: run.error_code, message: run.error_message ?? '' } : null,
            }
          : {}),
      });
    },
  );
};
