import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTalon, type Talon } from '../boot.ts';
import { loadConfig } from '../config/env.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { isPublicPath, isPublicRoute } from './public-routes.ts';

// The app exactly as `pnpm start` wires it (every optional part included), so a route added to
// boot.ts later is walked here without anyone remembering to add it to a test.
let database: TestDatabase;
let talon: Talon;
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
