import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin } from '../testing/admin-session.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../testing/test-app.ts';
import { isPublicPath, isPublicRoute, PUBLIC_ROUTES } from './public-routes.ts';

let talon: TestApp;
let distDir: string;

beforeAll(async () => {
  // A built admin with a page, a hashed bundle, an icon and a file outside /assets/.
  distDir = mkdtempSync(path.join(tmpdir(), 'talon-dist-'));
  mkdirSync(path.join(distDir, 'assets'));
  writeFileSync(
    path.join(distDir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/app.js"></script>',
  );
  writeFileSync(path.join(distDir, 'assets', 'app-3f2a.js'), 'console.log("admin")');
  writeFileSync(path.join(distDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(distDir, 'report.json'), '{"private":true}');
  talon = await createTestApp({ adminUiDir: distDir });
});
afterAll(async () => {
  await talon?.close();
  rmSync(distDir, { recursive: true, force: true });
});

/** A concrete URL for a route pattern: every parameter and wildcard becomes a plain segment. */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, 'x').replace(/\*$/, 'some-page');
}

function isPublic(method: string, url: string): boolean {
  return isPublicRoute(method, url) !== undefined || isPublicPath(method, concrete(url));
}

describe('the route table', () => {
  it('has routes from every part of the app, and every public route exists', () => {
    const routes = talon.app.registeredRoutes;
    expect(routes.length).toBeGreaterThan(15);
    for (const publicRoute of PUBLIC_ROUTES) {
      expect(routes, `${publicRoute.method} ${publicRoute.url}`).toContainEqual({
        method: publicRoute.method,
        url: publicRoute.url,
      });
    }
  });

  it('answers every non-public route 401 (API) or 302 to /login (page) without a session', async () => {
    const checked: string[] = [];
    for (const { method, url } of talon.app.registeredRoutes) {
      if (isPublic(method, url)) continue;
      const target = concrete(url);
      const response = await talon.app.inject({
        method: method as 'GET',
        url: target,
        ...(method === 'GET' || method === 'HEAD' ? {} : { payload: {} }),
      });
      const label = `${method} ${url}`;
      if (target.startsWith('/api/')) {
        expect(response.statusCode, label).toBe(401);
        if (method !== 'HEAD') expect(response.json(), label).toMatchObject({ error: 'unauthenticated' });
      } else {
        expect(response.statusCode, label).toBe(302);
        expect(response.headers.location, label).toBe('/login');
      }
      checked.push(label);
    }
    expect(checked).toContain('GET /api/settings');
    expect(checked).toContain('PUT /api/settings/:key');
    expect(checked).toContain('GET /metrics');
    expect(checked).toContain('GET /');
    expect(checked).toContain('GET /report.json');
  });

  it('answers the same for URLs no route matches, so probing learns nothing', async () => {
    for (const url of ['/api/nope', '/api', '/api/auth/logout', '/api/auth/session/x']) {
      const response = await talon.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(401);
    }
    for (const url of [
      '/dashboard',
      '/settings?tab=2',
      '/assets/../report.json',
      '/assets/%2e%2e/report.json',
    ]) {
      const response = await talon.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(302);
    }
    const deleteAnything = await talon.app.inject({ method: 'DELETE', url: '/api/settings/x' });
    expect(deleteAnything.statusCode).toBe(401);
  });

  it('serves the public list without a session: health, session status, the login page and assets', async () => {
    expect((await talon.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await talon.app.inject({ method: 'GET', url: '/api/auth/session' })).statusCode).toBe(200);
    const login = await talon.app.inject({ method: 'GET', url: '/login' });
    expect(login.statusCode).toBe(200);
    expect(login.headers['content-type']).toMatch(/text\/html/);
    expect((await talon.app.inject({ method: 'GET', url: '/assets/app-3f2a.js' })).statusCode).toBe(200);
    expect((await talon.app.inject({ method: 'GET', url: '/favicon.svg' })).statusCode).toBe(200);
    expect((await talon.app.inject({ method: 'HEAD', url: '/health' })).statusCode).toBe(200);
  });

  it('opens every protected route to the admin session', async () => {
    const session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
    for (const url of [
      '/api/settings',
      '/api/dashboard',
      '/api/auth/totp',
      '/metrics',
      '/',
      '/report.json',
    ]) {
      const response = await talon.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
      expect(response.statusCode, url).toBe(200);
    }
  });
});
