import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWall, expectedRootFolders, prepareWall, runProbe, type Wall } from './wall.ts';
import { workerFiles } from './worker-entry.ts';
import { INFO_FD } from './worker-process.ts';
import { unprivilegedWorkerUser } from './worker-user.ts';

/** A port the host listens on, on every address it has: a walled process must reach none of them. */
let server: Server;
let port: number;
let wall: Wall;
let secretFolder: string;

beforeAll(async () => {
  server = createServer((socket) => socket.end('host'));
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  port = (server.address() as AddressInfo).port;
  secretFolder = await mkdtemp(path.join(tmpdir(), 'talon-host-secret-'));
  await writeFile(path.join(secretFolder, 'secret_key_base'), 'host secret', { mode: 0o644 });
  wall = prepareWall(workerFiles(), { user: unprivilegedWorkerUser(), infoFd: INFO_FD, useWall: true });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(secretFolder, { recursive: true, force: true });
});

describe('the second wall around skill workers', () => {
  it('stands on this machine (CI installs bubblewrap; a wall that is down fails here)', async () => {
    const status = await checkWall(wall, port);
    expect(status.up, status.detail).toBe(true);
    expect(status.mechanism).toBe('bubblewrap');
  });

  it("shows a walled process no network but its own loopback, and the host's ports on none of its addresses", async () => {
    const addresses = Object.values(networkInterfaces())
      .flat()
      .flatMap((entry) => (entry && entry.family === 'IPv4' ? [entry.address] : []));
    expect(addresses).toContain('127.0.0.1');
    const facts = await runProbe(wall.probe, {
      connect: addresses.map((address) => ({ address, port })),
      read: [],
    });
    expect(facts.interfaces).toEqual(['lo']);
    for (const address of addresses) expect(facts.reached[`${address}:${port}`]).not.toBe('connected');
  });

  it('shows no host process, no environment, and no file but Node, its libraries and the worker code', async () => {
    const hostFile = path.join(secretFolder, 'secret_key_base');
    // This test's own process, which holds the host's environment: not in the walled PID namespace.
    const hostEnviron = `/proc/${process.pid}/environ`;
    const facts = await runProbe(wall.probe, {
      connect: [],
      read: ['/etc/passwd', '/etc/shadow', hostFile, hostEnviron, wall.worker.args.at(-1)!],
    });
    // bubblewrap's init and the probe itself, in a PID namespace of their own.
    expect(facts.processes).toBeLessThanOrEqual(2);
    expect(facts.environment).toEqual([]);
    expect(facts.root.filter((folder) => !expectedRootFolders(wall).has(folder))).toEqual([]);
    expect(facts.root).not.toContain('etc');
    expect(facts.readable).toEqual({
      '/etc/passwd': false,
      '/etc/shadow': false,
      [hostFile]: false,
      [hostEnviron]: false,
      [wall.worker.args.at(-1)!]: true,
    });
    if (process.getuid?.() === 0) expect(facts.uid).not.toBe(0);
  });
});
