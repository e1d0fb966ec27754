import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { checkPostgresCanReach, startEmbeddedPostgres } from './embedded-postgres.ts';

// As root, PostgreSQL runs as the `postgres` account. A data folder it cannot reach (a checkout in
// root's home) used to fail deep inside initdb; now Talon names the folder before touching anything.
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const root = mkdtempSync(path.join(tmpdir(), 'talon-embedded-pg-'));
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!asRoot)('the embedded PostgreSQL as root', () => {
  it('refuses a data folder behind a folder other users cannot enter, naming it and what to do', async () => {
    const home = path.join(root, 'home-of-root');
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o700);
    const clusterDir = path.join(home, 'talon', 'data', 'postgres');
    const error = await startEmbeddedPostgres({ clusterDir, logger: createLogger('silent') }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'embedded_db_unreachable' });
    const message = (error as Error).message;
    expect(message).toContain(`cannot enter ${home} on the way to the database folder ${clusterDir}`);
    expect(message).toContain(`chmod o+x ${home}`);
    expect(message).toContain('DATA_DIR');
    // Nothing was created: no half-initialised cluster, no password file.
    expect(existsSync(path.join(home, 'talon'))).toBe(false);
  });

  it('names the folder in the way to the PostgreSQL binaries too', () => {
    const checkout = path.join(root, 'checkout-in-root-home');
    mkdirSync(path.join(checkout, 'node_modules'), { recursive: true });
    chmodSync(checkout, 0o700);
    const open = path.join(root, 'open-data', 'postgres');
    expect(() => checkPostgresCanReach(open, path.join(checkout, 'node_modules'))).toThrow(
      `cannot enter ${checkout} on the way to the PostgreSQL binaries`,
    );
    expect(() => checkPostgresCanReach(open, root)).not.toThrow();
  });
});
