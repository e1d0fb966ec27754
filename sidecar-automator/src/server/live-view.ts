import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger.ts';
import { FIXED_LIMITS } from '../limits.ts';
import { errorMessage } from '../errors.ts';
import type { Recordings } from '../recording/recordings.ts';
import { bridgeViewerToVnc } from '../vnc/rfb-bridge.ts';

const LIVE_VIEW_PATH = /^\/recordings\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/vnc$/;
/** RFB messages from a viewer are small (keys, pointer, requests); nothing near this. */
const MAX_VIEWER_MESSAGE_BYTES = 1024 * 1024;

function refuse(socket: Duplex, status: number, error: string, message: string): void {
  const body = JSON.stringify({ error, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The live view of a recording: `GET /recordings/<id>/vnc` with `Upgrade: websocket` and the
 * token, then RFB in binary frames (what noVNC speaks). The core's admin proxies its owner's
 * browser here after its own checks; this end checks the token, the path and the viewer count.
 */
export function attachLiveView(
  server: Server,
  deps: {
    tokenMatches: (authorization: string | undefined) => boolean;
    recordings: Recordings;
    logger: Logger;
  },
): void {
  const viewers = new Map<string, number>();
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_VIEWER_MESSAGE_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });
  server.on('upgrade', (request, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!deps.tokenMatches(request.headers.authorization)) {
      refuse(socket, 401, 'unauthorized', 'A valid bearer token is required');
      return;
    }
    const match = LIVE_VIEW_PATH.exec((request.url ?? '').split('?')[0] ?? '');
    const id = match?.[1];
    if (!id) {
      refuse(socket, 404, 'not_found', 'No WebSocket at this path');
      return;
    }
    let endpoint;
    try {
      endpoint = deps.recordings.vncEndpoint(id);
    } catch (error) {
      refuse(socket, 404, 'recording_not_running', errorMessage(error));
      return;
    }
    const count = viewers.get(id) ?? 0;
    if (count >= FIXED_LIMITS.maxViewersPerRecording) {
      refuse(
        socket,
        429,
        'too_many_viewers',
        `At most ${FIXED_LIMITS.maxViewersPerRecording} live views per recording`,
      );
      return;
    }
    viewers.set(id, count + 1);
    sockets.handleUpgrade(request, socket, head, (viewer) => {
      const log = deps.logger.child({ recording: id });
      log.info('live view connected');
      void bridgeViewerToVnc(viewer, endpoint, log).finally(() => {
        const left = (viewers.get(id) ?? 1) - 1;
        if (left <= 0) viewers.delete(id);
        else viewers.set(id, left);
      });
    });
  });
}
