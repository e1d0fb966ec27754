import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyError, FastifyRequest } from 'fastify';
import { TalonError } from '../../errors.ts';
import { InvalidDefinitionError } from '../../workflows/errors.ts';
import type { WorkflowEngine } from '../../workflows/engine.ts';
import type { SettingsStore } from '../../settings/store.ts';
import type { Requester } from '../../workflows/service.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';
import { waitForRunEnd } from '../../workflows/wait-for-run.ts';
import { streamRunEvents } from './workflow-events.ts';
import { runView, stepView, workflowSummary, workflowView } from './workflow-views.ts';
import {
  codeBody,
  definitionBody,
  exportDocumentSchema,
  importBody,
  listQuery,
  missedTicksSchema,
  runDetailSchema,
  runEventsResponse,
  runIdParams,
  runListSchema,
  runsQuery,
  runViewSchema,
  triggerBody,
  triggerQuery,
  workflowErrorResponses,
  workflowIdParams,
  workflowListSchema,
  workflowViewSchema,
} from './workflow-schemas.ts';
import { noContentSchema } from '../error-schema.ts';

export interface WorkflowRoutesOptions {
  engine: Pick<WorkflowEngine, 'service' | 'workflows' | 'runs' | 'events' | 'scheduler'>;
  settings: SettingsStore;
}

/** The longest a `?wait=true` trigger holds the request open. */
const WAIT_LIMIT_MS = 30_000;

/**
 * A definition as sent, with the 2FA code beside its fields: changing a workflow that requires 2FA
 * needs one (workflows/change-rules.ts). The code is taken off before the definition is checked.
 */
function splitCode(body: unknown): { definition: unknown; totpCode: string | undefined } {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('totpCode' in body)) {
    return { definition: body, totpCode: undefined };
  }
  const { totpCode, ...definition } = body as { totpCode: unknown };
  if (totpCode !== undefined && (typeof totpCode !== 'string' || totpCode.length > 16)) {
    throw new TalonError('invalid_request', 'totpCode must be the code from your authenticator app', 400);
  }
  return { definition, totpCode };
}

/**
 * /api/workflows: CRUD, run now (asking for a 2FA code where the workflow requires it), run history,
 * run detail, cancel, live progress (server-sent events), schedule approval, export and import.
 * Behind the admin session like every non-public route.
 */
export const workflowRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: WorkflowRoutesOptions }> = async (
  app,
  { engine, settings },
) => {
  const { service, workflows, runs, events } = engine;
  const requester = (request: FastifyRequest): Requester => ({
    actor: 'admin',
    source: clientAddress(request, settings),
    session: sessionTag(request),
  });

  // A definition's problems go back as a list (path + message) besides the usual error body.
  app.setErrorHandler((error: FastifyError | Error, _request, reply) => {
    if (error instanceof InvalidDefinitionError) {
      return reply.status(400).send({ error: error.code, message: error.message, problems: error.problems });
    }
    throw error;
  });

  const errors = workflowErrorResponses;

  app.get(
    '/api/workflows',
    { schema: { querystring: listQuery, response: { 200: workflowListSchema, ...errors } } },
    async (request) => ({
      workflows: (await workflows.list({ search: request.query.search })).map(workflowSummary),
    }),
  );

  app.post(
    '/api/workflows',
    { schema: { body: definitionBody, response: { 201: workflowViewSchema, ...errors } } },
    async (request, reply) => {
      // A code is needed when a step chooses a secret binding (step-secret-bindings.ts).
      const { definition, totpCode } = splitCode(request.body);
      const created = await service.create(definition, { ...requester(request), totpCode });
      return reply.status(201).send(workflowView(created));
    },
  );

  app.get(
    '/api/workflows/:id',
    { schema: { params: workflowIdParams, response: { 200: workflowViewSchema, ...errors } } },
    async (request) => workflowView(await workflows.get(request.params.id)),
  );

  app.put(
    '/api/workflows/:id',
    {
      schema: {
        params: workflowIdParams,
        body: definitionBody,
        response: { 200: workflowViewSchema, ...errors },
      },
    },
    async (request) => {
      const { definition, totpCode: code } = splitCode(request.body);
      return workflowView(
        await service.update(request.params.id, definition, { ...requester(request), totpCode: code }),
      );
    },
  );

  app.delete(
    '/api/workflows/:id',
    {
      schema: {
        params: workflowIdParams,
        body: { ...codeBody, nullable: true },
        response: { 204: noContentSchema, ...errors },
      },
    },
    async (request, reply) => {
      await service.delete(request.params.id, { ...requester(request), totpCode: request.body?.totpCode });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/workflows/:id/runs',
    {
      schema: {
        params: workflowIdParams,
        querystring: triggerQuery,
        body: triggerBody,
        response: { 200: runViewSchema, 202: runViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const run = await service.trigger(request.params.id, {
        ...requester(request),
        trigger: body.trigger ?? 'api',
        input: (body.input ?? null) as never,
        totpCode: body.totpCode,
      });
      if (request.query.wait !== true || run.status === 'waiting_2fa')
        return reply.status(202).send(runView(run));
      const ended = await waitForRunEnd(runs, events, run.id, WAIT_LIMIT_MS);
      return reply.status(ended.finished_at === null ? 202 : 200).send(runView(ended));
    },
  );

  app.get(
    '/api/workflows/:id/runs',
    {
      schema: {
        params: workflowIdParams,
        querystring: runsQuery,
        response: { 200: runListSchema, ...errors },
      },
    },
    async (request) => {
      await workflows.get(request.params.id);
      const list = await runs.list({ workflowId: request.params.id, ...request.query });
      return { runs: list.map(runView) };
    },
  );

  app.get(
    '/api/workflows/runs/:runId',
    { schema: { params: runIdParams, response: { 200: runDetailSchema, ...errors } } },
    async (request) => {
      const run = await runs.get(request.params.runId);
      return { run: runView(run), steps: (await runs.steps(run.id)).map(stepView) };
    },
  );

  app.get(
    '/api/workflows/runs/:runId/events',
    { schema: { params: runIdParams, response: { ...runEventsResponse, ...errors } } },
    async (request, reply) => streamRunEvents(request, reply, request.params.runId, runs, events),
  );

  app.post(
    '/api/workflows/runs/:runId/approve',
    { schema: { params: runIdParams, body: codeBody, response: { 200: runViewSchema, ...errors } } },
    async (request) =>
      runView(await service.approveRun(request.params.runId, request.body?.totpCode, requester(request))),
  );

  app.post(
    '/api/workflows/runs/:runId/cancel',
    { schema: { params: runIdParams, response: { 200: runViewSchema, ...errors } } },
    async (request) => runView(await service.cancelRun(request.params.runId)),
  );

  app.post(
    '/api/workflows/:id/schedule/approve',
    {
      schema: { params: workflowIdParams, body: codeBody, response: { 200: workflowViewSchema, ...errors } },
    },
    async (request) =>
      workflowView(
        await service.approveSchedule(request.params.id, request.body?.totpCode, requester(request)),
      ),
  );

  app.get(
    '/api/workflows/:id/missed-ticks',
    { schema: { params: workflowIdParams, response: { 200: missedTicksSchema, ...errors } } },
    async (request) => {
      await workflows.get(request.params.id);
      return { missedTicks: await engine.scheduler.ticks.listMissed(request.params.id) };
    },
  );

  app.get(
    '/api/workflows/:id/export',
    { schema: { params: workflowIdParams, response: { 200: exportDocumentSchema, ...errors } } },
    async (request, reply) => {
      const document = await service.exportDocument(request.params.id);
      const fileName = document.workflow.name.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60) || 'workflow';
      return reply
        .header('content-disposition', `attachment; filename="${fileName}.talon-workflow.json"`)
        .send(document);
    },
  );

  app.post(
    '/api/workflows/import',
    { schema: { body: importBody, response: { 201: workflowViewSchema, ...errors } } },
    async (request, reply) =>
      reply.status(201).send(
        workflowView(
          await service.importDocument(request.body.document, request.body.name, {
            ...requester(request),
            totpCode: request.body.totpCode,
          }),
        ),
      ),
  );
};
