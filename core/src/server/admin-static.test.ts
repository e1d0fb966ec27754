import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminStatic } from './admin-static.ts';
import { installErrorHandler } from './error-handler.ts';

const INDEX_HTML = '<!doctype html><html><body><div id="app"></div></body></html>';

async function appServing(distDir: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  app.get('/api/known', async () => ({ ok: true }));
  await app.register(adminStatic, { distDir });
  await app.ready();
  return app;
}

describe('admin static files', () => {
  let folder: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'talon-admin-dist-'));
    mkdirSync(path.join(folder, 'assets'));
    writeFileSync(path.join(folder, 'index.html'), INDEX_HTML);
    writeFileSync(path.join(folder, 'assets', 'index-abc123.js'), 'console.log("admin")');
    app = await appServing(folder);
  });

  afterAll(async () => {
    await app.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it.each(['/', '/login', '/settings', '/security', '/some/deep/page?tab=2'])(
    'answers the page %s with the app, revalidated on every load',
    async (url) => {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toBe(INDEX_HTML);
    },
  );

  it('serves hashed bundles as immutable', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.body).toBe('console.log("admin")');
  });

  it('answers a missing file with a JSON 404, not the app', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/gone-999.js' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'not_found' });
  });

  it('never answers an unknown API path with the page', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/no-such-thing' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'not_found' });
    expect((await app.inject({ method: 'GET', url: '/api/known' })).json()).toEqual({ ok: true });
  });

  it('does not serve files outside the build folder', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/..%2f..%2fpackage.json' });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('"name"');
  });
});

describe('admin not built', () => {
  it('says how to build it instead of failing to start', async () => {
    const app = await appServing(path.join(tmpdir(), 'talon-no-such-admin-dist'));
    try {
      const response = await app.inject({ method: 'GET', url: '/settings' });
      expect(response.statusCode).toBe(503);
      expect(response.body).toContain('pnpm build');
    } finally {
      await app.close();
    }
  });
});
