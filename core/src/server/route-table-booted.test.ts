import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTalon, type Talon } from '../boot.ts';
import { loadConfig } from '../config/env.ts';
import { installResponseCheck } from '../testing/response-check.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { isPublicPath, isPublicRoute } from './public-routes.ts';

// The app exactly as `pnpm start` wires it (every optional part included), so a route added to
// boot.ts later is walked here without anyone remembering to add it to a test.
let database: TestDatabase;
let talon: Talon;
/** Each route's options as registered (the route table holds no schemas), read once all hooks ran. */
const routeOptions = new Map<string, { schema?: unknown }>();
const dataDir = mkdtempSync(path.join(tmpdir(), 'talon-route-table-'));

beforeAll(async () => {
  database = await createTestDatabase();
  talon = await startTalon(
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      SECRET_KEY_BASE: 'route-table-booted-secret-key-base-0123456789',
      ADMIN_PASSWORD: 'route table password',
    }),
    undefined,
    {
      instrumentApp: (app) => {
        installResponseCheck(app);
        app.addHook('onRoute', (route) => {
          for (const method of [route.method].flat()) routeOptions.set(`${method} ${route.url}`, route);
        });
      },
    },
  );
}, 60_000);
afterAll(async () => {
  await talon?.stop();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function concrete(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, 'x').replace(/\*$/, 'some-page');
}

describe('the route table of the booted app', () => {
  it('answers every route not on the public list 401 (API) or 302 to /login (page) without a session', async () => {
    const routes = talon.app.registeredRoutes;
    const walked: string[] = [];
    for (const { method, url } of routes) {
      if (isPublicRoute(method, url) !== undefined || isPublicPath(method, concrete(url))) continue;
      const target = concrete(url);
      const response = await talon.app.inject({
        method: method as 'GET',
        url: target,
        ...(method === 'GET' || method === 'HEAD' ? {} : { payload: {} }),
      });
      const label = `${method} ${url}`;
      if (target.startsWith('/api/')) {
        expect(response.statusCode, label).toBe(401);
      } else {
        expect(response.statusCode, label).toBe(302);
        expect(response.headers.location, label).toBe('/login');
      }
      walked.push(label);
    }
    // Everything boot.ts wires is in the walk, the skill lifecycle's routes included.
    expect(walked.some((label) => label.includes('/api/skills'))).toBe(true);
    expect(walked).toContain('GET /api/settings');
  });
});

function responseOf(route: string): Record<string, unknown> | undefined {
  return (routeOptions.get(route)?.schema as { response?: Record<string, unknown> } | undefined)?.response;
}

/** What a route's `response` lacks: a success answer, and the error body for every 4xx and 5xx. */
function responseGaps(response: Record<string, unknown> | undefined): string[] {
  if (response === undefined) return ['no response schema'];
  const gaps: string[] = [];
  if (!Object.keys(response).some((status) => /^[23]/.test(status))) gaps.push('no 2xx or 3xx schema');
  for (const errors of ['4xx', '5xx']) {
    const schema = response[errors] as { required?: readonly string[] } | undefined;
    if (!schema?.required?.includes('error') || !schema.required.includes('message'))
      gaps.push(`no ${errors} error body`);
  }
  return gaps;
}

describe('the response schemas of the booted app', () => {
  it('give every route a schema for what it answers, errors included', () => {
    const routes = talon.app.registeredRoutes;
    const gaps = routes
      .map(({ method, url }) => ({
        route: `${method} ${url}`,
        gaps: responseGaps(responseOf(`${method} ${url}`)),
      }))
      .filter(({ gaps }) => gaps.length > 0);
    expect(gaps).toEqual([]);
    // The walk saw every part of the app, the built admin's files included.
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.some(({ url }) => url.startsWith('/assets/'))).toBe(true);
    expect(routes.some(({ url }) => url.startsWith('/api/workflows'))).toBe(true);
  });
});
