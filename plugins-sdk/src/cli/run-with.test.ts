/**
 * `talon-skill run --with` and the network opt-ins, through the real CLI binary: what an author
 * needs to try a skill that invokes other skills or talks to a server on their own machine.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/talon-skill.js', import.meta.url));
const exec = promisify(execFile);

async function talonSkill(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; json: Record<string, unknown> }> {
  try {
    const { stdout } = await exec(process.execPath, [bin, ...args], { cwd, timeout: 60_000 });
    return { code: 0, json: JSON.parse(stdout) as Record<string, unknown> };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, json: JSON.parse(failed.stdout) as Record<string, unknown> };
  }
}

let workspace: string;
let server: Server;
let port: number;

/** A hand-written skill folder: skill.json + a bundled index.js. */
async function skill(name: string, manifest: Record<string, unknown>, code: string): Promise<string> {
  const folder = path.join(workspace, name);
  await mkdir(folder, { recursive: true });
  await writeFile(
    path.join(folder, 'skill.json'),
    JSON.stringify({ name, version: '1.0.0', description: `${name} for the test`, ...manifest }),
  );
  await writeFile(path.join(folder, 'index.js'), code);
  return folder;
}

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'talon-skill-with-'));
  await chmod(workspace, 0o755);
  server = createServer((_request, response) => response.end('hello from loopback'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  await skill(
    'counter',
    { permissions: ['storage'] },
    `export default { async run({ api }) {
      const count = ((await api.storage.get('count')) ?? 0) + 1;
      await api.storage.set('count', count);
      return count;
    } };`,
  );
  await skill(
    'caller',
    { permissions: ['skills.invoke', 'storage'], invokes: ['counter'] },
    `export default { async run({ api }) {
      const first = await api.skills.invoke('counter', null);
      const second = await api.skills.invoke('counter', null);
      return { first, second, mine: await api.storage.get('count') };
    } };`,
  );
  await skill(
    'relay',
    { permissions: ['skills.invoke', 'storage'], invokes: ['counter'] },
    `export default { async run({ api }) { return await api.skills.invoke('counter', null); } };`,
  );
  await skill(
    'fetcher',
    { permissions: ['http'], net: [`127.0.0.1:${port}`] },
    `export default { async run({ input, api }) { return (await api.http.fetch(input)).body; } };`,
  );
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(workspace, { recursive: true, force: true });
});

describe('talon-skill run --with', () => {
  it('loads other skills for skills.invoke; each keeps its own storage', async () => {
    const run = await talonSkill(workspace, 'run', 'caller', '--input', 'null', '--with', 'counter');
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({
      ok: true,
      result: {
        first: { ok: true, result: 1, branch: 'on_success' },
        second: { ok: true, result: 2, branch: 'on_success' },
        mine: null,
      },
      apiCalls: [
        { method: 'skills.invoke', allowed: true },
        { method: 'skills.invoke', allowed: true },
        { method: 'storage.get', allowed: true },
      ],
    });
  });

  it("runs the callee with its grants ∩ the caller's, as Talon does", async () => {
    // relay asks for storage too, so the counter keeps it: granted skills.invoke only, it loses it.
    const granted = await talonSkill(workspace, 'run', 'relay', '--input', 'null', '--with', 'counter');
    expect(granted.json).toMatchObject({ ok: true, result: { ok: true, result: 1 } });
    const narrowed = await talonSkill(
      workspace,
      ...['run', 'relay', '--input', 'null', '--with', 'counter', '--grant', 'skills.invoke'],
    );
    expect(narrowed.json).toMatchObject({
      ok: true,
      result: { ok: false, error: { code: 'permission_denied', message: expect.stringMatching(/storage/) } },
    });
  });

  it('answers skills.invoke of a skill not loaded with skill_not_found, saying how to load it', async () => {
    const run = await talonSkill(workspace, 'run', 'caller', '--input', 'null');
    expect(run.json).toMatchObject({
      ok: true,
      result: {
        first: { ok: false, error: { code: 'skill_not_found', message: expect.stringContaining('--with') } },
      },
    });
  });

  it('refuses two skills of one name and a broken --with folder, naming the flag', async () => {
    const twice = await talonSkill(
      workspace,
      ...['run', 'caller', '--input', 'null', '--with', 'counter', '--with', 'counter'],
    );
    expect(twice.code).toBe(1);
    expect(twice.json).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', message: expect.stringMatching(/"counter" is already loaded/) },
    });
    await skill('broken', { permissions: ['teleport'] }, 'export default { run() { return 1; } };');
    const broken = await talonSkill(workspace, 'run', 'caller', '--input', 'null', '--with', 'broken');
    expect(broken.code).toBe(1);
    expect((broken.json['error'] as { message: string }).message).toMatch(/^--with broken: .*teleport/);
  });
});

describe('talon-skill run --allow-private-addresses --allow-plain-http', () => {
  it('refuses loopback and plain http unless both opt-ins are given, like a fresh Talon', async () => {
    const url = JSON.stringify(`http://127.0.0.1:${port}/`);
    const refused = await talonSkill(workspace, 'run', 'fetcher', '--input', url);
    expect(refused.json).toMatchObject({ ok: false, error: { code: 'host_not_allowed' } });
    expect((refused.json['error'] as { message: string }).message).toMatch(/only https/);

    const onlyPrivate = await talonSkill(
      workspace,
      'run',
      'fetcher',
      '--input',
      url,
      '--allow-private-addresses',
    );
    expect(onlyPrivate.json).toMatchObject({ ok: false, error: { code: 'host_not_allowed' } });
    expect((onlyPrivate.json['error'] as { message: string }).message).toMatch(/only https/);

    const onlyHttp = await talonSkill(workspace, 'run', 'fetcher', '--input', url, '--allow-plain-http');
    expect(onlyHttp.json).toMatchObject({ ok: false, error: { code: 'host_not_allowed' } });
    expect((onlyHttp.json['error'] as { message: string }).message).toMatch(/private or loopback/);

    const both = await talonSkill(
      workspace,
      'run',
      'fetcher',
      '--input',
      url,
      '--allow-private-addresses',
      '--allow-plain-http',
    );
    expect(both).toMatchObject({ code: 0, json: { ok: true, result: 'hello from loopback' } });
  });
});
