import { readFileSync } from 'node:fs';
import { fastify, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';
import type { SidecarConfig } from '../config.ts';
import { FIXED_LIMITS } from '../limits.ts';
import type { Recordings } from '../recording/recordings.ts';
import type { Replays } from '../replay/replays.ts';
import type { RunFiles } from '../storage/run-files.ts';
import { bearerTokenCheck } from './bearer-token.ts';
import { installErrorHandler } from './error-handler.ts';
import { attachLiveView } from './live-view.ts';
import { fileRoutes } from './routes/files.ts';
import { recordingRoutes } from './routes/recordings.ts';
import { replayRoutes } from './routes/replays.ts';

export const SIDECAR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface AppDeps {
  config: Pick<SidecarConfig, 'token' | 'tls' | 'isolation'>;
  logger: Logger;
  recordings: Recordings;
  replays: Replays;
  runFiles: RunFiles;
  maxReplays: number;
}

/**
 * The sidecar's HTTP API. Every request — `/health` and the live view's WebSocket included —
 * needs `Authorization: Bearer <token>`; without it the answer is 401 and nothing else.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const tls = deps.config.tls;
  const app = fastify({
    loggerInstance: deps.logger,
    bodyLimit: FIXED_LIMITS.maxBodyBytes,
    // On close, end every connection at once: a keep-alive one that turned idle just after close
    // began would otherwise hold it for Fastify's 72 s keep-alive (replays in flight are cancelled).
    forceCloseConnections: true,
    // Unknown fields are refused by name, not dropped; types are not coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    ...(tls ? { https: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } } : {}),
  }) as unknown as FastifyInstance;
  const tokenMatches = bearerTokenCheck(deps.config.token);
  app.addHook('onRequest', async (request, reply) => {
    if (tokenMatches(request.headers.authorization)) return;
    await reply
      .status(401)
      .header('www-authenticate', 'Bearer')
      .send({ error: 'unauthorized', message: 'A valid bearer token is required' });
  });
  installErrorHandler(app);
  app.get('/health', async () => {
    const recording = deps.recordings.list().find((view) => view.state !== 'stopped');
    return {
      status: 'ok',
      version: SIDECAR_VERSION,
      isolation: deps.config.isolation,
      recording: recording ? { id: recording.id, state: recording.state } : null,
      replays: { running: deps.replays.running, max: deps.maxReplays },
    };
  });
  recordingRoutes(app, deps.recordings);
  replayRoutes(app, deps.replays);
  fileRoutes(app, deps.runFiles);
  attachLiveView(app.server, { tokenMatches, recordings: deps.recordings, logger: deps.logger });
  return app;
}
