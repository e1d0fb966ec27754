/**
 * The live view of a recording, inside the admin: the owner's browser opens a WebSocket here and
 * never reaches the sidecar, its VNC server or any port of it. Before anything is proxied: the
 * admin session (the route protection hook, as for every route), the `Origin` header (this admin's
 * own origin, or `server.public_url`'s), and a one-time ticket issued to this session for this
 * recording within the last 60 s. The target is fixed here — the sidecar's
 * `/recordings/<id>/vnc` with the bearer token, subprotocol `binary` — never taken from the request.
 */
import type { IncomingMessage } from 'node:http';
import { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { AutomationService } from '../../automation/automation-service.ts';
import { checkRecordingId } from '../../automation/automation-service.ts';
import { errorMessage, TalonError } from '../../errors.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { errorResponses } from '../error-schema.ts';
import { isSecureRequest } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';
import { idParams, liveQuery } from './automation-schemas.ts';

/** The viewer sends key and pointer events only: nothing it sends is large. */
const MAX_VIEWER_MESSAGE_BYTES = 64 * 1024;
/** Frames waiting for a slow viewer before the sidecar side is paused. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const SUBPROTOCOL = 'binary';

/** Upgrade requests this app is routing: their socket and the bytes read past the headers. */
const upgrades = new WeakMap<IncomingMessage, { socket: Duplex; head: Buffer }>();

/**
 * Sends WebSocket upgrade requests through Fastify's router (as @fastify/websocket does), so
 * every hook — session, rate limit, security headers — runs before a route may take the socket.
 * A route that does not take it answers over plain HTTP and the socket is closed after.
 */
function routeUpgrades(app: FastifyInstance, open: Set<WebSocket>): void {
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    upgrades.set(request, { socket, head });
    const response = new ServerResponse(request);
    response.assignSocket(socket as never);
    response.once('finish', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    try {
      app.routing(request, response);
    } catch (error) {
      app.log.warn({ reason: errorMessage(error) }, 'a WebSocket upgrade could not be routed');
      socket.destroy();
    }
  };
  app.server.on('upgrade', onUpgrade);
  app.addHook('onClose', async () => {
    app.server.off('upgrade', onUpgrade);
    for (const socket of open) socket.terminate();
  });
}

/** This admin's own origin as the browser sees it, and the public one when Talon has one. */
function allowedOrigins(request: FastifyRequest, settings: SettingsStore): Set<string> {
  const origins = new Set<string>();
  const host = request.headers.host;
  if (host) origins.add(`${isSecureRequest(request, settings) ? 'https' : 'http'}://${host}`);
  const publicUrl = settings.getString('server.public_url');
  try {
    if (publicUrl !== '') origins.add(new URL(publicUrl).origin);
  } catch {
    // A malformed public URL allows nothing extra.
  }
  return origins;
}

/** Connects to the sidecar; resolves once it accepted, or fails with what it answered. */
function connectUpstream(target: { url: string; headers: Record<string, string> }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const upstream = new WebSocket(target.url, [SUBPROTOCOL], {
      headers: target.headers,
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
    upstream.once('open', () => resolve(upstream));
    upstream.once('unexpected-response', (_request, response) => {
      upstream.terminate();
      const status = response.statusCode ?? 502;
      reject(
        status === 404
          ? new TalonError('recording_not_running', 'The recording is not running any more', 404)
          : status === 429
            ? new TalonError(
                'too_many_viewers',
                'This recording has as many live views open as it allows',
                429,
              )
            : new TalonError('sidecar_error', `The browser sidecar refused the live view (${status})`, 502),
      );
    });
    upstream.once('error', (error) =>
      reject(
        new TalonError('sidecar_unavailable', `The browser sidecar cannot be reached: ${error.message}`, 503),
      ),
    );
  });
}

/** Both ways, binary as it came; a slow viewer pauses the sidecar side; either end closing closes both. */
function bridge(viewer: WebSocket, upstream: WebSocket, open: Set<WebSocket>): void {
  open.add(viewer);
  open.add(upstream);
  const close = (): void => {
    open.delete(viewer);
    open.delete(upstream);
    viewer.close();
    upstream.close();
  };
  upstream.on('message', (data: RawData, isBinary) => {
    viewer.send(data, { binary: isBinary }, () => {
      if (upstream.isPaused && viewer.bufferedAmount < MAX_BUFFERED_BYTES / 2) upstream.resume();
    });
    if (viewer.bufferedAmount > MAX_BUFFERED_BYTES) upstream.pause();
  });
  viewer.on('message', (data: RawData, isBinary) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
  });
  for (const socket of [viewer, upstream]) {
    socket.on('close', close);
    socket.on('error', close);
  }
}

export interface LiveViewRoutesOptions {
  automation: AutomationService;
  settings: SettingsStore;
}

export const liveViewRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: LiveViewRoutesOptions }> = async (
  app,
  { automation, settings },
) => {
  const open = new Set<WebSocket>();
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_VIEWER_MESSAGE_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  routeUpgrades(app, open);

  app.get(
    '/api/automations/recordings/:id/live',
    {
      schema: {
        params: idParams,
        querystring: liveQuery,
        // Answered 101 Switching Protocols (no body); every refusal is the shared error body.
        response: {
          '2xx': { type: 'null', description: 'never sent: the answer is 101 Switching Protocols' },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const upgrade = upgrades.get(request.raw);
      if (!upgrade) {
        throw new TalonError(
          'upgrade_required',
          'The live view is a WebSocket: open it with the URL a live-view ticket gives (POST …/live-ticket)',
          426,
        );
      }
      const id = checkRecordingId(request.params.id);
      const origin = request.headers.origin;
      if (origin === undefined || !allowedOrigins(request, settings).has(origin)) {
        request.log.warn({ origin: origin?.slice(0, 200) }, 'live view refused: foreign Origin');
        throw new TalonError('origin_refused', 'The live view opens only from the admin’s own pages', 403);
      }
      const check = await automation.tickets.redeem(
        request.query.ticket ?? '',
        sessionTag(request) ?? '',
        id,
      );
      if (!check.ok) {
        request.log.warn({ reason: check.reason, recording: id }, 'live view refused: ticket');
        throw new TalonError(
          'ticket_refused',
          'The live-view ticket is unknown, used, expired or not yours: ask for a new one',
          403,
        );
      }
      await automation.liveRecording(id);
      const upstream = await connectUpstream(await automation.client.liveViewTarget(id));
      reply.hijack();
      upgrades.delete(request.raw);
      server.handleUpgrade(request.raw, upgrade.socket, upgrade.head, (viewer) =>
        bridge(viewer, upstream, open),
      );
    },
  );
};
