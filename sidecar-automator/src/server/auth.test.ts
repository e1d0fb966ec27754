import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
let sidecar: TestSidecar;

beforeAll(async () => {
  sidecar = await startTestSidecar();
});
afterAll(async () => {
  await sidecar?.close();
});

describe('every request needs the token', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/health'],
    ['GET', '/recordings'],
    ['POST', '/recordings', { url: 'http://127.0.0.1/' }],
    ['POST', '/replays', { recipe: {} }],
    ['GET', '/files/00000000-0000-4000-8000-000000000000/report.csv'],
    ['DELETE', '/files/00000000-0000-4000-8000-000000000000'],
    ['GET', '/no-such-route'],
  ];

  it.each(routes)('%s %s without a valid bearer token → 401, before anything else is looked at', async (method, route, body) => {
    const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    for (const authorization of [undefined, `Bearer ${'x'.repeat(43)}`, `Basic ${sidecar.token}`, `Bearer ${sidecar.token} extra`]) {
      const headers = authorization === undefined ? json : { ...json, authorization };
      const response = await sidecar.call(method, route, body, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toEqual({ error: 'unauthorized', message: 'A valid bearer token is required' });
    }
  }); // prettier-ignore

  it('answers /health with the token', async () => {
    const response = await sidecar.call('GET', '/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      version: '0.1.0',
      isolation: 'bwrap',
      recording: null,
      replays: { running: 0, max: 2 },
    });
  });

  it('validates bodies once the token is right, and says what is wrong', async () => {
    const response = await sidecar.call('POST', '/recordings', { url: 'file:///etc/passwd' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      message: 'url must be an http or https URL',
    });
    const unknown = await sidecar.call('POST', '/recordings', { url: 'http://127.0.0.1/', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: 'invalid_request',
      message: 'Invalid request: body has an unknown field "colour"',
    });
  });
});

describe('the sidecar as its own process', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'sidecar-process-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  function start(env: Record<string, string>) {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        SIDECAR_PORT: '0',
        SIDECAR_DATA_DIR: path.join(folder, 'data'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    return { child, exited, stderr: () => stderr };
  }

  it('starts with a token from a private file, listens on loopback, and stops on SIGTERM', async () => {
    const token = randomBytes(32).toString('hex');
    const tokenFile = path.join(folder, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const { child, exited } = start({ SIDECAR_TOKEN_FILE: tokenFile });
    const lines = createInterface({ input: child.stdout });
    let url = '';
    for await (const line of lines) {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'sidecar listening') {
        url = entry.url ?? '';
        break;
      }
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/health`)).status).toBe(401);
    const health = await fetch(`${url}/health`, { headers: { authorization: `Bearer ${token}` } });
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }); // prettier-ignore

  it('refuses to start without a token, in one line that says what to set', async () => {
    const { exited, stderr } = start({});
    expect(await exited).toBe(1);
    expect(stderr()).toBe(
      'talon-sidecar: SIDECAR_TOKEN or SIDECAR_TOKEN_FILE is required (the token the core sends)\n',
    );
  });
});
