import net from 'node:net';
import type { WebSocket } from 'ws';
import type { Logger } from '../logger.ts';
import { FIXED_LIMITS } from '../limits.ts';
import { errorMessage } from '../errors.ts';
import { withTimeout } from '../system/with-timeout.ts';
import { ByteQueue } from './byte-queue.ts';
import { vncAuthResponse } from './vnc-auth.ts';

const RFB_38 = 'RFB 003.008\n';
const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;
const HANDSHAKE_MS = 10_000;

export interface VncEndpoint {
  socketPath: string;
  password: string;
}

async function readReason(queue: ByteQueue): Promise<string> {
  const length = (await queue.read(4)).readUInt32BE(0);
  return (await queue.read(Math.min(length, 1_000))).toString('utf8');
}

/** Version, security type VNC authentication with the password, SecurityResult: the server side. */
async function authenticateToServer(server: net.Socket, queue: ByteQueue, password: string): Promise<void> {
  const version = (await queue.read(12)).toString('latin1');
  if (!/^RFB 003\.00[78]\n$/.test(version))
    throw new Error(`unexpected server version ${JSON.stringify(version)}`);
  server.write(RFB_38);
  const count = (await queue.read(1))[0] ?? 0;
  if (count === 0) throw new Error(`server refused: ${await readReason(queue)}`);
  const types = [...(await queue.read(count))];
  if (!types.includes(SECURITY_VNC_AUTH))
    throw new Error(`server offers no password authentication (${types.join(',')})`);
  server.write(Buffer.from([SECURITY_VNC_AUTH]));
  server.write(vncAuthResponse(password, await queue.read(16)));
  if ((await queue.read(4)).readUInt32BE(0) !== 0)
    throw new Error(`authentication failed: ${await readReason(queue)}`);
}

/**
 * The viewer side: the sidecar has already authenticated, so it offers the viewer only "None". The
 * viewer proved who it is with the token (and, through the core, the admin session and a one-time
 * ticket); the VNC password never reaches it.
 */
async function greetViewer(viewer: WebSocket, queue: ByteQueue): Promise<void> {
  viewer.send(Buffer.from(RFB_38, 'latin1'));
  const version = (await queue.read(12)).toString('latin1');
  if (version !== RFB_38 && version !== 'RFB 003.007\n') {
    throw new Error(`viewer speaks ${JSON.stringify(version)}; RFB 3.7 or 3.8 is needed`);
  }
  viewer.send(Buffer.from([1, SECURITY_NONE]));
  const choice = (await queue.read(1))[0];
  if (choice !== SECURITY_NONE) throw new Error(`viewer chose security type ${String(choice)}`);
  if (version === RFB_38) viewer.send(Buffer.from([0, 0, 0, 0]));
}

/** Server bytes to the viewer, pausing the server while the viewer is slow to take them. */
function forwardToViewer(server: net.Socket, viewer: WebSocket): void {
  const limit = FIXED_LIMITS.maxViewerBufferedBytes;
  server.on('data', (chunk: Buffer) => {
    viewer.send(chunk, () => {
      if (server.isPaused() && viewer.bufferedAmount < limit / 2) server.resume();
    });
    if (viewer.bufferedAmount > limit) server.pause();
  });
}

/**
 * Joins a viewer's WebSocket (binary frames carrying RFB) to the recording's VNC server, doing the
 * server's password authentication itself. Resolves when either side closes.
 */
export async function bridgeViewerToVnc(viewer: WebSocket, vnc: VncEndpoint, logger: Logger): Promise<void> {
  const fromViewer = new ByteQueue();
  const fromServer = new ByteQueue();
  let spliced = false;
  const server = net.connect(vnc.socketPath);
  const closed = new Promise<void>((resolve) => {
    let done = false;
    const finish = (why: string) => {
      if (done) return;
      done = true;
      logger.debug({ why }, 'live view closed');
      server.destroy();
      if (viewer.readyState === viewer.OPEN || viewer.readyState === viewer.CONNECTING)
        viewer.close(1000, 'closed');
      resolve();
    };
    server.on('close', () => finish('vnc server closed'));
    server.on('error', (error) => finish(errorMessage(error)));
    viewer.on('close', () => finish('viewer closed'));
    viewer.on('error', (error) => finish(errorMessage(error)));
  });
  viewer.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (!isBinary) return; // RFB travels in binary frames only
    if (spliced) {
      if (!server.write(chunk)) viewer.pause();
    } else fromViewer.push(chunk);
  });
  server.on('drain', () => viewer.resume());
  server.on('data', (chunk: Buffer) => {
    if (!spliced) fromServer.push(chunk);
  });
  const ended = new Error('connection closed during the handshake');
  server.on('close', () => fromServer.end(ended));
  viewer.on('close', () => fromViewer.end(ended));
  try {
    await withTimeout(
      (async () => {
        await authenticateToServer(server, fromServer, vnc.password);
        await greetViewer(viewer, fromViewer);
      })(),
      HANDSHAKE_MS,
      'VNC handshake',
    );
  } catch (error) {
    logger.warn({ err: errorMessage(error) }, 'live view handshake failed');
    if (viewer.readyState === viewer.OPEN) viewer.close(1011, 'VNC handshake failed');
    server.destroy();
    return closed;
  }
  spliced = true;
  server.removeAllListeners('data');
  const early = fromServer.takeAll();
  if (early.length > 0) viewer.send(early);
  forwardToViewer(server, viewer);
  const pending = fromViewer.takeAll();
  if (pending.length > 0) server.write(pending);
  return closed;
}
