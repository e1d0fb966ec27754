import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '@talon/core/db/embedded-postgres.ts';
import { createEmptyDatabase } from '@talon/core/testing/test-database.ts';
import { spawnTalon, waitForStatus } from '../support/talon-process.ts';

let database: { url: string; drop(): Promise<void> };

beforeAll(async () => {
  database = await createEmptyDatabase();
});
afterAll(async () => {
  await database.drop();
});

async function settingsSnapshot(): Promise<string> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const rows = await client.query('SELECT key, value, updated_at FROM settings ORDER BY key');
    return JSON.stringify(rows.rows);
  } finally {
    await client.end();
  }
}

describe('starting with another SECRET_KEY_BASE than the secrets were written with', () => {
  it('refuses to start with a message that says exactly that, and rewrites nothing', async () => {
    const port = await findFreePort();
    const first = spawnTalon('core/src/main.ts', {
      DATABASE_URL: database.url,
      SECRET_KEY_BASE: 'the-first-key-base-0123456789-abcdefghijkl',
      PORT: String(port),
      GITHUB_TOKEN: 'ghp_seeded_from_the_environment',
    });
    await waitForStatus(`http://127.0.0.1:${port}/health`, [200]);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const before = await settingsSnapshot();
    expect(before).not.toContain('ghp_seeded_from_the_environment');

    const second = spawnTalon('core/src/main.ts', {
      DATABASE_URL: database.url,
      SECRET_KEY_BASE: 'a-different-key-base-9876543210-zyxwvutsrq',
      PORT: String(port),
    });
    expect(await second.exited).toBe(1);
    expect(second.output().stderr.trim()).toBe(
      'talon: SECRET_KEY_BASE is not the key the stored secrets were encrypted with: start Talon with the ' +
        'previous SECRET_KEY_BASE, or change keys with "pnpm talon secrets rotate"; nothing was changed',
    );
    expect(await settingsSnapshot()).toBe(before);
  });

  it('after "pnpm talon secrets rotate", starts with the new key and refuses the old one', async () => {
    const rotate = spawnTalon(
      'core/src/cli/talon.ts',
      {
        DATABASE_URL: database.url,
        SECRET_KEY_BASE: 'the-first-key-base-0123456789-abcdefghijkl',
        NEW_SECRET_KEY_BASE: 'the-rotated-key-base-5555555555-mmmmmmmmmm',
        LOG_LEVEL: 'silent',
      },
      ['secrets', 'rotate'],
    );
    expect(await rotate.exited).toBe(0);
    expect(rotate.output().stderr).toMatch(/re-encrypted [1-9]\d* sensitive setting/);

    const port = await findFreePort();
    const next = spawnTalon('core/src/main.ts', {
      DATABASE_URL: database.url,
      SECRET_KEY_BASE: 'the-rotated-key-base-5555555555-mmmmmmmmmm',
      PORT: String(port),
    });
    await waitForStatus(`http://127.0.0.1:${port}/health`, [200]);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);

    const old = spawnTalon('core/src/main.ts', {
      DATABASE_URL: database.url,
      SECRET_KEY_BASE: 'the-first-key-base-0123456789-abcdefghijkl',
      PORT: String(port),
    });
    expect(await old.exited).toBe(1);
    expect(old.output().stderr).toContain('SECRET_KEY_BASE is not the key');
  });
});
