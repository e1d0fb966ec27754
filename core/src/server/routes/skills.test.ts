import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.ts';
import { createLogger } from '../../logging/logger.ts';
import { grantedAsRequested, readSkillFolderAt } from '@talon/skill-runtime/package/package-reader.ts';
import { loginAsAdmin, type AdminSession } from '../../testing/admin-session.ts';
import { createTestSkillRuntime, type TestSkillRuntime } from '../../testing/skill-runtime.ts';
import { TEST_ADMIN_PASSWORD, TEST_SECRET_KEY_BASE } from '../../testing/test-app.ts';
import { createAppServices, type AppServices } from '../../app-services.ts';
import { installResponseCheck } from '../../testing/response-check.ts';
import { buildApp } from '../app.ts';

let t: TestSkillRuntime;
let app: FastifyInstance;
let services: AppServices;
let session: AdminSession;
let root: string;
let folder: string;

beforeAll(async () => {
  t = await createTestSkillRuntime({ limits: { defaultCpuTimeoutMs: 500, defaultWallTimeoutMs: 3000 } });
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY_BASE: TEST_SECRET_KEY_BASE,
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  });
  const logger = createLogger('silent');
  const wiring = { config, logger, pool: t.database.pool, settings: t.settings, audit: t.audit };
  services = createAppServices(wiring);
  app = await buildApp({
    ...wiring,
    secretKeyBase: TEST_SECRET_KEY_BASE,
    services,
    instrument: installResponseCheck,
    adminUiDir: '/nonexistent/talon-admin-ui',
    skillRuntime: t.runtime,
  });
  await app.ready();
  session = await loginAsAdmin(app, TEST_ADMIN_PASSWORD);
  // A skill written by hand, no SDK: a folder with skill.json and index.js.
  root = await mkdtemp(path.join(tmpdir(), 'talon-hand-skill-'));
  folder = path.join(root, 'word_count');
  await mkdir(folder);
  await writeFile(
    path.join(folder, 'skill.json'),
    JSON.stringify({
      name: 'word_count',
      version: '1.0.0',
      description: 'Counts the words of a text',
      permissions: ['storage'],
      routes: ['on_success', 'empty'],
    }),
  );
  await writeFile(
    path.join(folder, 'index.js'),
    `export default {
      async run({ input, api }) {
        const words = String(input.text ?? '').split(/\\s+/).filter(Boolean).length;
        await api.log.info('counted', { words });
        await api.storage.set('last', words);
        return words === 0 ? { result: 0, branch: 'empty' } : { words };
      },
    };`,
  );
  await t.runtime.install(grantedAsRequested(await readSkillFolderAt(folder, 'dynamic'), 'dynamic'));
});

afterAll(async () => {
  await app.close();
  services.stop();
  await t.close();
  await rm(root, { recursive: true, force: true });
});

describe('the skills admin API', () => {
  it('lists loaded skills with permissions, grants, breaker and call counts', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/skills', headers: session.headers });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      skills: [
        {
          name: 'word_count',
          version: '1.0.0',
          kind: 'dynamic',
          permissions: ['storage'],
          grants: { permissions: ['storage'], net: [], secrets: [], invokes: [] },
          breaker: { state: 'closed', failures: 0, lastError: null, changedAt: expect.any(String) },
          calls: { total: 0, failed: 0 },
        },
      ],
    });
  });

  it('runs a hand-written skill from its folder and shows result, branch, duration and API calls', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/skills/word_count/run',
      headers: session.headers,
      payload: { input: { text: 'the quick brown fox' } },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ ok: true, result: { words: 4 }, branch: 'on_success' });
    expect(body.durationMs).toBeGreaterThan(0);
    expect(body.apiCalls.map((call: { method: string }) => call.method)).toEqual(['log.info', 'storage.set']);
    const empty = await app.inject({
      method: 'POST',
      url: '/api/skills/word_count/run',
      headers: session.headers,
      payload: { input: { text: '' } },
    });
    expect(empty.json()).toMatchObject({ ok: true, result: 0, branch: 'empty' });
  });

  it('answers 404 for a skill that is not loaded and 400 for a body without input', async () => {
    const missing = await app.inject({
      method: 'POST',
      url: '/api/skills/not_there/run',
      headers: session.headers,
      payload: { input: 1 },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'skill_not_found' });
    const bad = await app.inject({
      method: 'POST',
      url: '/api/skills/word_count/run',
      headers: session.headers,
      payload: { nothing: true },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('input');
  });

  it('resets an open breaker', async () => {
    await t.install({ name: 'always_fails' }, `export default { run() { throw new Error('nope') } }`);
    for (let i = 0; i < 3; i++) await t.runtime.run('always_fails', { input: null });
    expect(t.runtime.status('always_fails')?.breaker.state).toBe('open');
    const response = await app.inject({
      method: 'POST',
      url: '/api/skills/always_fails/breaker/reset',
      headers: session.headers,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ skill: { name: 'always_fails', breaker: { state: 'closed' } } });
  });

  it('is closed without the admin session', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/skills' })).statusCode).toBe(401);
    const run = await app.inject({
      method: 'POST',
      url: '/api/skills/word_count/run',
      payload: { input: 1 },
    });
    expect([401, 403]).toContain(run.statusCode);
  });
});
