import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { TalonError } from '../../errors.ts';
import { InvalidDefinitionError } from '../../workflows/errors.ts';
import type { WorkflowEngine } from '../../workflows/engine.ts';
import { RUN_STATUSES } from '../../workflows/run-repository.ts';
import type { SettingsStore } from '../../settings/store.ts';
import type { Requester } from '../../workflows/service.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';
import { waitForRunEnd } from '../../workflows/wait-for-run.ts';
import { streamRunEvents } from './workflow-events.ts';
import { runView, stepView, workflowSummary, workflowView } from './workflow-views.ts';

export interface WorkflowRoutesOptions {
  engine: Pick<WorkflowEngine, 'service' | 'workflows' | 'runs' | 'events' | 'scheduler'>;
  settings: SettingsStore;
}

const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
} as const;
const runParams = {
  type: 'object',
  required: ['runId'],
  additionalProperties: false,
  properties: { runId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
} as const;
const totpCode = { type: 'string', maxLength: 16 } as const;
/** The longest a `?wait=true` trigger holds the request open. */
const WAIT_LIMIT_MS = 30_000;
const codeBody = { type: 'object', additionalProperties: false, properties: { totpCode } } as const;
// Definitions are checked by the workflow rules themselves, which report every problem with its path.
const definitionBody = { type: 'object' } as const;

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
export const workflowRoutes: FastifyPluginAsync<WorkflowRoutesOptions> = async (
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

  app.get<{ Querystring: { search?: string } }>(
    '/api/workflows',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { search: { type: 'string', maxLength: 100 } },
        },
      },
    },
    async (request) => ({
      workflows: (await workflows.list({ search: request.query.search })).map(workflowSummary),
    }),
  );

  app.post('/api/workflows', { schema: { body: definitionBody } }, async (request, reply) =>
    reply.status(201).send(workflowView(await service.create(request.body, requester(request)))),
  );

  app.get<{ Params: { id: string } }>(
    '/api/workflows/:id',
    { schema: { params: idParams } },
    async (request) => workflowView(await workflows.get(request.params.id)),
  );

  app.put<{ Params: { id: string } }>(
    '/api/workflows/:id',
    { schema: { params: idParams, body: definitionBody } },
    async (request) => {
      const { definition, totpCode: code } = splitCode(request.body);
      return workflowView(
        await service.update(request.params.id, definition, { ...requester(request), totpCode: code }),
      );
    },
  );

  app.delete<{ Params: { id: string }; Body: { totpCode?: string } | undefined }>(
    '/api/workflows/:id',
    { schema: { params: idParams, body: { ...codeBody, nullable: true } } },
    async (request, reply) => {
      await service.delete(request.params.id, { ...requester(request), totpCode: request.body?.totpCode });
      return reply.status(204).send();
    },
  );

  app.post<{
    Params: { id: string };
    Querystring: { wait?: boolean };
    Body: { input?: unknown; totpCode?: string; trigger?: 'manual' | 'api' };
  }>(
    '/api/workflows/:id/runs',
    {
      schema: {
        params: idParams,
        // wait=true answers when the run has ended (200), or with 202 after WAIT_LIMIT_MS.
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { wait: { type: 'boolean' } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { input: {}, totpCode, trigger: { type: 'string', enum: ['manual', 'api'] } },
        },
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

  app.get<{
    Params: { id: string };
    Querystring: { status?: (typeof RUN_STATUSES)[number]; limit?: number };
  }>(
    '/api/workflows/:id/runs',
    {
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...RUN_STATUSES] },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
        },
      },
    },
    async (request) => {
      await workflows.get(request.params.id);
      const list = await runs.list({ workflowId: request.params.id, ...request.query });
      return { runs: list.map(runView) };
    },
  );

  app.get<{ Params: { runId: string } }>(
    '/api/workflows/runs/:runId',
    { schema: { params: runParams } },
    async (request) => {
      const run = await runs.get(request.params.runId);
      return { run: runView(run), steps: (await runs.steps(run.id)).map(stepView) };
    },
  );

  app.get<{ Params: { runId: string } }>(
    '/api/workflows/runs/:runId/events',
    { schema: { params: runParams } },
    async (request, reply) => streamRunEvents(request, reply, request.params.runId, runs, events),
  );

  app.post<{ Params: { runId: string }; Body: { totpCode?: string } }>(
    '/api/workflows/runs/:runId/approve',
    { schema: { params: runParams, body: codeBody } },
    async (request) =>
      runView(await service.approveRun(request.params.runId, request.body?.totpCode, requester(request))),
  );

  app.post<{ Params: { runId: string } }>(
    '/api/workflows/runs/:runId/cancel',
    { schema: { params: runParams } },
    async (request) => runView(await service.cancelRun(request.params.runId)),
  );

  app.post<{ Params: { id: string }; Body: { totpCode?: string } }>(
    '/api/workflows/:id/schedule/approve',
    { schema: { params: idParams, body: codeBody } },
    async (request) =>
      workflowView(
        await service.approveSchedule(request.params.id, request.body?.totpCode, requester(request)),
      ),
  );

  app.get<{ Params: { id: string } }>(
    '/api/workflows/:id/missed-ticks',
    { schema: { params: idParams } },
    async (request) => {
      await workflows.get(request.params.id);
      return { missedTicks: await engine.scheduler.ticks.listMissed(request.params.id) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/workflows/:id/export',
    { schema: { params: idParams } },
    async (request, reply) => {
      const document = await service.exportDocument(request.params.id);
      const fileName = document.workflow.name.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60) || 'workflow';
      return reply
        .header('content-disposition', `attachment; filename="${fileName}.talon-workflow.json"`)
        .send(document);
    },
  );

  app.post<{ Body: { document: unknown; name?: string } }>(
    '/api/workflows/import',
    {
      schema: {
        body: {
          type: 'object',
          required: ['document'],
          additionalProperties: false,
          properties: { document: {}, name: { type: 'string', minLength: 1, maxLength: 100 } },
        },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          workflowView(
            await service.importDocument(request.body.document, request.body.name, requester(request)),
          ),
        ),
  );
};
