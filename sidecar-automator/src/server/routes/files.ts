import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { SidecarError } from '../../errors.ts';
import { FILE_NAME_PATTERN, RUN_ID_PATTERN, type RunFiles } from '../../storage/run-files.ts';

const RUN_PARAMS = {
  type: 'object',
  required: ['runId'],
  properties: { runId: { type: 'string', pattern: RUN_ID_PATTERN } },
} as const;
const FILE_PARAMS = {
  type: 'object',
  required: ['runId', 'name'],
  properties: {
    runId: { type: 'string', pattern: RUN_ID_PATTERN },
    name: { type: 'string', pattern: FILE_NAME_PATTERN },
  },
} as const;

/** Files replays and recordings kept (downloads, screenshots): fetched, then deleted, by the caller. */
export function fileRoutes(app: FastifyInstance, runFiles: RunFiles): void {
  app.get<{ Params: { runId: string; name: string } }>(
    '/files/:runId/:name',
    { schema: { params: FILE_PARAMS } },
    async (request, reply) => {
      const file = await runFiles.locate(request.params.runId, request.params.name);
      if (!file)
        throw new SidecarError(
          'file_not_found',
          `No file ${request.params.name} in run ${request.params.runId}`,
          404,
        );
      // Bytes from the web: never rendered, never sniffed.
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename="${request.params.name}"`)
        .header('content-length', String(file.size))
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(file.path));
    },
  );

  app.delete<{ Params: { runId: string } }>(
    '/files/:runId',
    { schema: { params: RUN_PARAMS } },
    async (request, reply) => {
      if (!(await runFiles.remove(request.params.runId))) {
        throw new SidecarError('run_not_found', `No files of run ${request.params.runId}`, 404);
      }
      return reply.status(204).send();
    },
  );
}
