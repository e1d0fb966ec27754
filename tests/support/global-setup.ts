import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '@talon/core/db/embedded-postgres.ts';
import { createLogger } from '@talon/core/logging/logger.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL server; each test file creates its own database. */
    adminDatabaseUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole run: TEST_DATABASE_URL when set (a superuser URL), otherwise an
 * embedded server in a temporary folder. Test files each create a fresh database on it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['TEST_DATABASE_URL'];
  if (external) {
    project.provide('adminDatabaseUrl', external);
    return async () => undefined;
  }
  const folder = mkdtempSync(path.join(tmpdir(), 'talon-test-pg-'));
  chmodSync(folder, 0o755); // PostgreSQL runs as the `postgres` user when the tests run as root.
  const database = await startEmbeddedPostgres({
    clusterDir: path.join(folder, 'cluster'),
    logger: createLogger('silent'),
    databaseName: 'talon_test_template',
  });
  project.provide('adminDatabaseUrl', database.adminUrl);
  return async () => {
    await database.stop();
    rmSync(folder, { recursive: true, force: true });
  };
}
