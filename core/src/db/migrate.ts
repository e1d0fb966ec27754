import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logging/logger.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

/**
 * Applies the pending SQL migrations of `migrations/` in order, in one transaction, under
 * node-pg-migrate's advisory lock: a second node starting at the same moment waits for the lock
 * and then finds nothing left to apply. Returns the names of the migrations this call applied.
 * With `count`, applies only that many of the pending ones.
 */
export async function migrateUp(
  databaseUrl: string,
  logger: Logger,
  options: { count?: number } = {},
): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    migrationLoaderStrategies: [{ extensions: ['.sql'], loader: 'sql' }],
    direction: 'up',
    // Only the first `count` (a restore rebuilds the schema its archive was taken from first).
    ...(options.count === undefined ? {} : { count: options.count }),
    migrationsTable: 'talon_migrations',
    singleTransaction: true,
    checkOrder: true,
    ignorePattern: '(\\..*|.*\\.md)',
    advisoryLockMode: 'wait',
    log: () => undefined,
  });
  const names = applied.map((migration) => migration.name);
  if (names.length > 0) logger.info({ migrations: names }, 'database migrations applied');
  return names;
}
