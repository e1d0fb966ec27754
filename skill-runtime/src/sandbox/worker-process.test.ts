import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_LIMITS } from '../limits.ts';
import { SandboxWorker } from './worker-process.ts';

/** A worker gone rogue (as after an isolate escape): it says ready, then answers a run with a huge frame. */
const ROGUE_WORKER = `
import net from 'node:net';
const channel = new net.Socket({ fd: 3, readable: true, writable: true });
const frame = (message) => {
  const payload = Buffer.from(JSON.stringify(message));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
};
channel.write(frame({ t: 'ready' }));
channel.once('data', () => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(${SANDBOX_LIMITS.maxIpcFrameBytes + 1});
  channel.write(header);
  const chunk = Buffer.alloc(1 << 20, 120);
  const flood = () => { while (channel.write(chunk)); channel.once('drain', flood); };
  flood();
});
`;

let folder: string;
let script: string;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'talon-rogue-worker-'));
  await chmod(folder, 0o755);
  script = path.join(folder, 'rogue.mjs');
  await writeFile(script, ROGUE_WORKER, { mode: 0o644 });
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("the host's end of a worker's channel", () => {
  it('kills a worker whose frame announces more than the cap, without reading it', async () => {
    const worker = new SandboxWorker({
      apiFunctions: [],
      launch: { command: process.execPath, args: [script], user: undefined, walled: false },
      niceness: 0,
    });
    await worker.ready;
    const heapBefore = process.memoryUsage().heapUsed;
    const outcome = await worker.run(1, 0, 'null', '{}', 10_000);
    expect(outcome).toEqual({
      ok: false,
      code: 'crashed',
      message: `the sandbox worker sent a frame of ${SANDBOX_LIMITS.maxIpcFrameBytes + 1} bytes, over the limit of ${SANDBOX_LIMITS.maxIpcFrameBytes}`,
    });
    expect(worker.alive).toBe(false);
    // Nothing of the flood was kept.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(SANDBOX_LIMITS.maxIpcFrameBytes);
  });
});
