import type { FastifyInstance } from 'fastify';
import { RECIPE_NAME_PATTERN, RECIPE_LIMITS } from '@talon/skill-runtime/recipes/index.ts';
import { SidecarError } from '../../errors.ts';
import { RUN_ID_PATTERN } from '../../storage/run-files.ts';
import type { Recordings } from '../../recording/recordings.ts';

const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: RUN_ID_PATTERN } },
} as const;

const START_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: RECIPE_LIMITS.maxUrlChars },
    name: { type: 'string', pattern: RECIPE_NAME_PATTERN },
    allowedPrivateAddresses: {
      type: 'array',
      maxItems: RECIPE_LIMITS.maxAllowlistEntries,
      items: { type: 'string', pattern: '^[0-9a-fA-F:.]+(/\\d{1,3})?$' },
    },
  },
} as const;

interface StartBody {
  url: string;
  name?: string;
  allowedPrivateAddresses?: string[];
}

function checkStartUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new SidecarError('invalid_request', 'url must be an http or https URL', 400);
  }
}

/** Start, watch, stop and discard recordings (one at a time). */
export function recordingRoutes(app: FastifyInstance, recordings: Recordings): void {
  app.post<{ Body: StartBody }>('/recordings', { schema: { body: START_BODY } }, async (request, reply) => {
    checkStartUrl(request.body.url);
    return reply.status(201).send(await recordings.start(request.body));
  });

  app.get('/recordings', async () => ({ recordings: recordings.list() }));

  app.get<{ Params: { id: string } }>('/recordings/:id', { schema: { params: ID_PARAMS } }, async (request) =>
    recordings.get(request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/recordings/:id/stop',
    { schema: { params: ID_PARAMS } },
    async (request) => {
      const { recording, result } = await recordings.stop(request.params.id);
      return { recording, ...result };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/recordings/:id',
    { schema: { params: ID_PARAMS } },
    async (request, reply) => {
      await recordings.discard(request.params.id);
      return reply.status(204).send();
    },
  );

  // The live view is a WebSocket (server/live-view.ts); a plain GET says so.
  app.get<{ Params: { id: string } }>('/recordings/:id/vnc', { schema: { params: ID_PARAMS } }, async () => {
    throw new SidecarError(
      'upgrade_required',
      'The live view is a WebSocket: connect with Upgrade: websocket',
      426,
    );
  });
}
