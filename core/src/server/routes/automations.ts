import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyRequest } from 'fastify';
import type { AutomationService } from '../../automation/automation-service.ts';
import type { AutomationRequester } from '../../automation/recipe-resources.ts';
import { errorMessage } from '../../errors.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { errorResponses, noContentSchema } from '../error-schema.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';
import {
  approveRecipeBody,
  automationsOverviewSchema,
  fileBytesSchema,
  idParams,
  importRecipeBody,
  liveTicketSchema,
  recipeDetailSchema,
  recordingViewSchema,
  replayBody,
  replayReportSchema,
  runFileParams,
  saveRecipeBody,
  startRecordingBody,
  stoppedRecordingSchema,
} from './automation-schemas.ts';
import { recipeDetail, recipeSummary, recordingView } from './automation-views.ts';
import { liveViewRoutes } from './automation-live-view.ts';

export interface AutomationRoutesOptions {
  automation: AutomationService;
  settings: SettingsStore;
}

/**
 * The Automations screen: the sidecar's state, recordings (start on a URL, the live view through
 * a one-time ticket, stop into a draft recipe, discard), recipes (review, edit, approve, replay now,
 * delete) and the files replays kept. Approving a recipe and changing where it may go or which
 * secrets it types need a fresh 2FA code (automation/recipe-resources.ts).
 */
export const automationRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: AutomationRoutesOptions;
}> = async (app, { automation, settings }) => {
  const requester = (request: FastifyRequest): AutomationRequester => ({
    actor: 'admin',
    source: clientAddress(request, settings),
    session: sessionTag(request),
  });
  const { recipes, runs } = automation;
  const detail = async (id: string) =>
    recipeDetail(await recipes.store.get(id), recipes, settings, await runs.forRecipe(id));

  app.get(
    '/api/automations',
    { schema: { response: { 200: automationsOverviewSchema, ...errorResponses } } },
    async () => {
      const status = automation.status();
      let recordings: Awaited<ReturnType<AutomationService['recordings']>> = [];
      let recordingsError: string | null = null;
      try {
        recordings = await automation.recordings();
      } catch (error) {
        recordingsError = errorMessage(error);
      }
      const last = await runs.latestPerRecipe();
      return {
        enabled: status.enabled,
        sidecar: status.sidecar,
        recordings: recordings.map(recordingView),
        recordingsError,
        recipes: (await recipes.store.list()).map((record) => recipeSummary(record, last.get(record.id))),
      };
    },
  );

  app.post(
    '/api/automations/recordings',
    { schema: { body: startRecordingBody, response: { 201: recordingViewSchema, ...errorResponses } } },
    async (request, reply) => {
      const view = await automation.startRecording(request.body, requester(request));
      return reply.status(201).send(recordingView(view));
    },
  );

  app.post(
    '/api/automations/recordings/:id/stop',
    { schema: { params: idParams, response: { 200: stoppedRecordingSchema, ...errorResponses } } },
    async (request) => {
      const stopped = await automation.stopRecording(request.params.id, requester(request));
      return { recipe: await detail(stopped.recipe.id), notes: stopped.notes };
    },
  );

  app.delete(
    '/api/automations/recordings/:id',
    { schema: { params: idParams, response: { 204: noContentSchema, ...errorResponses } } },
    async (request, reply) => {
      await automation.discardRecording(request.params.id, requester(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/automations/recordings/:id/live-ticket',
    { schema: { params: idParams, response: { 201: liveTicketSchema, ...errorResponses } } },
    async (request, reply) => {
      const { id } = request.params;
      await automation.liveRecording(id);
      const { ticket, expiresAt } = await automation.tickets.issue(sessionTag(request) ?? '', id);
      return reply.status(201).send({
        ticket,
        expiresAt: expiresAt.toISOString(),
        url: `/api/automations/recordings/${id}/live?ticket=${encodeURIComponent(ticket)}`,
      });
    },
  );

  await app.register(liveViewRoutes, { automation, settings });

  app.post(
    '/api/automations/recipes',
    { schema: { body: importRecipeBody, response: { 201: recipeDetailSchema, ...errorResponses } } },
    async (request, reply) => {
      const record = await recipes.importRecipe(request.body.recipe, requester(request));
      return reply.status(201).send(await detail(record.id));
    },
  );

  app.get(
    '/api/automations/recipes/:id',
    { schema: { params: idParams, response: { 200: recipeDetailSchema, ...errorResponses } } },
    async (request) => detail(request.params.id),
  );

  app.put(
    '/api/automations/recipes/:id',
    {
      schema: {
        params: idParams,
        body: saveRecipeBody,
        response: { 200: recipeDetailSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      await recipes.save(id, request.body, requester(request));
      return detail(id);
    },
  );

  app.post(
    '/api/automations/recipes/:id/approve',
    {
      schema: {
        params: idParams,
        body: approveRecipeBody,
        response: { 200: recipeDetailSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      await recipes.approve(id, request.body, requester(request));
      return detail(id);
    },
  );

  app.delete(
    '/api/automations/recipes/:id',
    { schema: { params: idParams, response: { 204: noContentSchema, ...errorResponses } } },
    async (request, reply) => {
      await automation.deleteRecipe(request.params.id, requester(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/automations/recipes/:id/replay',
    {
      schema: {
        params: idParams,
        body: replayBody,
        response: { 200: replayReportSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const record = await recipes.store.get(request.params.id);
      // The admin closing the request (a closed tab) cancels the replay on the sidecar.
      const cancel = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) cancel.abort();
      });
      return automation.replay(record.name, {
        parameters: request.body?.parameters ?? {},
        trigger: 'admin',
        signal: cancel.signal,
      });
    },
  );

  app.get(
    '/api/automations/runs/:runId/files/:kind/:name',
    { schema: { params: runFileParams, response: { 200: fileBytesSchema, ...errorResponses } } },
    async (request, reply) => {
      const { runId, kind, name } = request.params;
      const { path, file } = await runs.fileOf(runId, kind, name);
      // Bytes from the web: a download, never rendered by the admin's origin; screenshots are PNGs.
      const screenshot = kind === 'screenshots' && name.endsWith('.png');
      return (
        reply
          .header('content-type', screenshot ? 'image/png' : 'application/octet-stream')
          .header(
            'content-disposition',
            `${screenshot ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
          )
          .header('content-length', String(file.bytes))
          .header('x-content-type-options', 'nosniff')
          // A stream is sent as it is (no serializer); the schema's string stands for the bytes.
          .send(createReadStream(path) as never)
      );
    },
  );
};
