import { WebSocket } from 'ws';
import { ByteQueue } from '../vnc/byte-queue.ts';

/** A framebuffer update in Raw encoding: the rectangles and their pixels (32 bits per pixel). */
export interface Frame {
  rects: { x: number; y: number; width: number; height: number; pixels: Buffer }[];
}

export interface RfbSession {
  width: number;
  height: number;
  desktopName: string;
  /** Asks for the whole screen (non-incremental) and reads the next framebuffer update. */
  requestFrame(): Promise<Frame>;
  /** A pointer event: `buttons` is the RFB button mask (1 = left). */
  pointer(x: number, y: number, buttons: number): void;
  close(): void;
}

/**
 * A minimal RFB 3.8 viewer over a WebSocket, as noVNC speaks it: handshake with security "None",
 * ClientInit, Raw framebuffer updates, pointer events. For tests of the live-view bridge.
 */
export async function connectRfbViewer(url: string, headers: Record<string, string>): Promise<RfbSession> {
  const socket = new WebSocket(url, { headers });
  const queue = new ByteQueue();
  socket.on('message', (data: Buffer) => queue.push(Buffer.from(data)));
  socket.on('close', () => queue.end(new Error('the bridge closed the connection')));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`WebSocket refused with HTTP ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
  const version = (await queue.read(12)).toString('latin1');
  if (version !== 'RFB 003.008\n') throw new Error(`unexpected version ${version}`);
  socket.send(Buffer.from('RFB 003.008\n', 'latin1'));
  const count = (await queue.read(1))[0] ?? 0;
  const types = [...(await queue.read(count))];
  if (!types.includes(1)) throw new Error(`no security type None offered (${types.join(',')})`);
  socket.send(Buffer.from([1]));
  if ((await queue.read(4)).readUInt32BE(0) !== 0) throw new Error('security handshake failed');
  socket.send(Buffer.from([1])); // ClientInit: shared
  const init = await queue.read(24);
  const width = init.readUInt16BE(0);
  const height = init.readUInt16BE(2);
  const bitsPerPixel = init[4] ?? 32;
  const desktopName = (await queue.read(init.readUInt32BE(20))).toString('utf8');
  const bytesPerPixel = bitsPerPixel / 8;

  async function readFrame(): Promise<Frame> {
    for (;;) {
      const type = (await queue.read(1))[0];
      if (type === 0) {
        const count = (await queue.read(3)).readUInt16BE(1);
        const rects: Frame['rects'] = [];
        for (let index = 0; index < count; index += 1) {
          const header = await queue.read(12);
          const rect = {
            x: header.readUInt16BE(0),
            y: header.readUInt16BE(2),
            width: header.readUInt16BE(4),
            height: header.readUInt16BE(6),
          };
          const encoding = header.readInt32BE(8);
          if (encoding !== 0) throw new Error(`unexpected encoding ${encoding}`);
          rects.push({ ...rect, pixels: await queue.read(rect.width * rect.height * bytesPerPixel) });
        }
        return { rects };
      }
      if (type === 2) continue; // Bell
      if (type === 3) {
        const length = (await queue.read(7)).readUInt32BE(3);
        await queue.read(length);
        continue;
      }
      throw new Error(`unexpected server message ${String(type)}`);
    }
  }

  return {
    width,
    height,
    desktopName,
    async requestFrame() {
      const request = Buffer.alloc(10);
      request.writeUInt8(3, 0);
      request.writeUInt8(0, 1);
      request.writeUInt16BE(width, 6);
      request.writeUInt16BE(height, 8);
      socket.send(request);
      return readFrame();
    },
    pointer(x, y, buttons) {
      const event = Buffer.alloc(6);
      event.writeUInt8(5, 0);
      event.writeUInt8(buttons, 1);
      event.writeUInt16BE(x, 2);
      event.writeUInt16BE(y, 4);
      socket.send(event);
    },
    close: () => socket.close(),
  };
}
