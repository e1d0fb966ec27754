import { readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '@talon/core/testing/test-database.ts';
import { REPO_ROOT, spawnTalon } from '../support/talon-process.ts';

let database: { url: string; drop(): Promise<void> };

beforeAll(async () => {
  database = await createEmptyDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('two nodes starting together on one database', () => {
  it('apply each migration exactly once', async () => {
    const env = { DATABASE_URL: database.url, SECRET_KEY_BASE: 's'.repeat(48), LOG_LEVEL: 'info' };
    const nodes = [
      spawnTalon('core/src/cli/talon.ts', env, ['migrate']),
      spawnTalon('core/src/cli/talon.ts', env, ['migrate']),
    ];
    const codes = await Promise.all(nodes.map((node) => node.exited));
    expect(codes).toEqual([0, 0]);

    const files = readdirSync(path.join(REPO_ROOT, 'migrations'))
      .filter((file) => file.endsWith('.up.sql'))
      .map((file) => file.replace(/\.up\.sql$/, ''))
      .sort();
    const applied = nodes.flatMap((node) => {
      const match = /"migrations":(\[[^\]]*\])/.exec(node.output().stdout);
      return match ? (JSON.parse(match[1] ?? '[]') as string[]) : [];
    });
    expect(applied.sort()).toEqual(files);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const rows = await client.query<{ name: string }>('SELECT name FROM talon_migrations ORDER BY name');
      expect(rows.rows.map((row) => row.name)).toEqual(files);
    } finally {
      await client.end();
    }
  });
});
