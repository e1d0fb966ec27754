import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.ts';
import { utcDay } from '../../llm/budget.ts';
import type { LlmRouter } from '../../llm/router.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { clientAddress } from '../security/client-info.ts';
import { errorResponses, noContentSchema } from '../error-schema.ts';
import {
  createProviderBody,
  providerIdParams,
  providerListResponse,
  providerResponse,
  reachBody,
  reachResponse,
  testResponse,
  updateProviderBody,
  usageQuery,
  usageResponse,
} from './llm-schemas.ts';

export interface LlmRoutesOptions {
  llm: LlmRouter;
  settings: SettingsStore;
  audit: AuditLog;
}

/**
 * The admin's LLM screens: providers (list, add, edit, remove, test) and usage per provider and UTC
 * day. Keys are written, never read back (only masked). Anything that changes where prompts go — a
 * new provider, a base URL, a key, a provider turned `local` — needs a fresh 2FA code (issue 10 §1:
 * every LLM provider endpoint and key is gated) once 2FA is enrolled.
 */
export const llmRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: LlmRoutesOptions }> = async (
  app,
  { llm, settings, audit },
) => {
  const providers = llm.providers;
  const source = (request: FastifyRequest): string => clientAddress(request, settings);
  const stepUp = (request: FastifyRequest, action: string, target: string, code: string | undefined) =>
    // Like every LLM endpoint and key setting (issue 10 §1): a code once 2FA is enrolled; before
    // that there is nothing to step up with, and the change goes through (audited as such).
    app.stepUp.verify({
      action,
      code,
      actor: 'admin',
      source: source(request),
      target,
      whenNotEnrolled: 'allow',
    });

  app.get(
    '/api/llm/providers',
    { schema: { response: { 200: providerListResponse, ...errorResponses } } },
    async () => ({
      providers: (await providers.list()).map((provider) => providers.view(provider)),
    }),
  );

  app.post(
    '/api/llm/providers',
    { schema: { body: createProviderBody, response: { 201: providerResponse, ...errorResponses } } },
    async (request, reply) => {
      const { totpCode, ...input } = request.body;
      providers.checkNew(input); // a typo is refused before it spends the code
      await stepUp(request, 'llm.provider.create', input.id, totpCode);
      const created = await providers.create(input);
      await audit.record({
        actor: 'admin',
        action: 'llm.provider.create',
        target: created.id,
        outcome: 'succeeded',
        source: source(request),
        details: {
          kind: created.kind,
          baseUrl: created.baseUrl,
          locality: created.locality,
          withKey: Boolean(input.apiKey),
        },
      });
      return reply.status(201).send({ provider: providers.view(created) });
    },
  );

  app.put(
    '/api/llm/providers/:id',
    {
      schema: {
        params: providerIdParams,
        body: updateProviderBody,
        response: { 200: providerResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { totpCode, ...change } = request.body;
      const current = await providers.get(id);
      const baseUrl = providers.checkChange(current, change); // a typo is refused before it spends the code
      const redirects =
        baseUrl !== current.baseUrl ||
        (change.apiKey !== undefined && change.apiKey !== '') ||
        change.clearKey === true ||
        (change.locality === 'local' && current.locality !== 'local');
      if (redirects) await stepUp(request, 'llm.provider.update', id, totpCode);
      const updated = await providers.update(id, change);
      await audit.record({
        actor: 'admin',
        action: 'llm.provider.update',
        target: id,
        outcome: 'succeeded',
        source: source(request),
        details: {
          fields: Object.keys(change).filter((field) => field !== 'apiKey' || change.apiKey !== ''),
          withCode: redirects,
        },
      });
      return { provider: providers.view(updated) };
    },
  );

  app.delete(
    '/api/llm/providers/:id',
    { schema: { params: providerIdParams, response: { 204: noContentSchema, ...errorResponses } } },
    async (request, reply) => {
      await providers.delete(request.params.id);
      await audit.record({
        actor: 'admin',
        action: 'llm.provider.delete',
        target: request.params.id,
        outcome: 'succeeded',
        source: source(request),
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/llm/providers/:id/test',
    { schema: { params: providerIdParams, response: { 200: testResponse, ...errorResponses } } },
    async (request) => llm.testProvider(request.params.id),
  );

  app.get(
    '/api/llm/usage',
    { schema: { querystring: usageQuery, response: { 200: usageResponse, ...errorResponses } } },
    async (request) => {
      const today = utcDay(Date.now());
      return { today, days: request.query.days, rows: await llm.usage.list(today, request.query.days) };
    },
  );

  app.post(
    '/api/llm/reach',
    { schema: { body: reachBody, response: { 200: reachResponse, ...errorResponses } } },
    async (request) => {
      const reach = await llm.reach(request.body.localOnly, request.body.targets);
      return {
        providers: reach.providers.map(({ id, name, kind, model, locality }) => ({
          id,
          name,
          kind,
          model,
          locality,
        })),
        problems: reach.problems,
      };
    },
  );
};
