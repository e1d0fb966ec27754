/**
 * The wire between the host and a sandbox worker: length-prefixed frames (a 4-byte big-endian
 * length, then that many bytes of UTF-8 JSON) over one Unix socket. Node's own IPC channel parses
 * every line it reads, however long; here a frame's length is known before any of it is kept, so a
 * worker that escaped its isolate and sends an oversized frame is cut off before the host buffers
 * or parses it. Imports nothing but `node:` modules: the worker bundles this file too.
 */

const HEADER_BYTES = 4;

/** One frame's bytes for a JSON-serialisable message. */
export function encodeFrame(message: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(message), 'utf8');
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

export interface FrameReaderHandlers {
  /** A complete frame's payload, parsed; `undefined` when it was not JSON. */
  frame(message: unknown): void;
  /** A frame announced itself larger than the cap: nothing of it was kept. Reading stops. */
  oversized(bytes: number): void;
}

/**
 * Splits a byte stream into frames. Bytes are kept only up to the end of the current frame, which
 * is never larger than `maxFrameBytes`; past an oversized header the reader drops everything.
 */
export class FrameReader {
  readonly #maxFrameBytes: number;
  readonly #handlers: FrameReaderHandlers;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #expected: number | undefined;
  #stopped = false;

  constructor(maxFrameBytes: number, handlers: FrameReaderHandlers) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#handlers = handlers;
  }

  push(chunk: Buffer): void {
    if (this.#stopped) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    for (;;) {
      if (this.#expected === undefined) {
        if (this.#buffered < HEADER_BYTES) return;
        const length = this.#take(HEADER_BYTES).readUInt32BE(0);
        if (length > this.#maxFrameBytes) {
          this.#stopped = true;
          this.#chunks = [];
          this.#buffered = 0;
          this.#handlers.oversized(length);
          return;
        }
        this.#expected = length;
      }
      if (this.#buffered < this.#expected) return;
      const payload = this.#take(this.#expected);
      this.#expected = undefined;
      let message: unknown;
      try {
        message = JSON.parse(payload.toString('utf8'));
      } catch {
        message = undefined;
      }
      this.#handlers.frame(message);
      if (this.#stopped) return;
    }
  }

  /** Stops reading (the peer is being killed): later bytes are dropped unread. */
  stop(): void {
    this.#stopped = true;
    this.#chunks = [];
    this.#buffered = 0;
  }

  #take(bytes: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    const taken = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return taken;
  }
}
