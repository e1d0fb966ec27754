/** Bytes arriving in chunks, read back in exact lengths: what a protocol handshake needs. */
export class ByteQueue {
  #chunks: Buffer[] = [];
  #length = 0;
  #waiting: { bytes: number; resolve: (data: Buffer) => void; reject: (error: Error) => void } | undefined;
  #ended: Error | undefined;

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    this.#settle();
  }

  /** No more bytes will come; a pending or later read fails with `error`. */
  end(error: Error): void {
    this.#ended ??= error;
    this.#settle();
  }

  read(bytes: number): Promise<Buffer> {
    if (this.#waiting) return Promise.reject(new Error('one read at a time'));
    return new Promise<Buffer>((resolve, reject) => {
      this.#waiting = { bytes, resolve, reject };
      this.#settle();
    });
  }

  /** Everything buffered so far, leaving the queue empty (for when the handshake is over). */
  takeAll(): Buffer {
    const all = Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#length = 0;
    return all;
  }

  #settle(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    if (this.#length >= waiting.bytes) {
      this.#waiting = undefined;
      const all = this.takeAll();
      if (all.length > waiting.bytes) this.push(all.subarray(waiting.bytes));
      waiting.resolve(all.subarray(0, waiting.bytes));
    } else if (this.#ended) {
      this.#waiting = undefined;
      waiting.reject(this.#ended);
    }
  }
}
