import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { pruneAuthTables } from './auth-housekeeping.ts';

let talon: TestApp;

beforeAll(async () => {
  talon = await createTestApp();
});
afterAll(async () => {
  await talon?.close();
});

async function count(
  table: 'login_failures' | 'login_blocks' | 'totp_failures' | 'admin_sessions',
): Promise<number> {
  const row = await talon.database.pool.one(
    sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM ${sql.identifier([table])}`,
  );
  return row.n;
}

describe('auth housekeeping', () => {
  it('deletes stale failures, expired blocks and old sessions, and keeps what still counts', async () => {
    const pool = talon.database.pool;
    await pool.query(sql.unsafe`
      INSERT INTO login_failures (address, at) VALUES ('192.0.2.1', now() - interval '1 hour'), ('192.0.2.2', now())`);
    await pool.query(sql.unsafe`
      INSERT INTO login_blocks (address, blocked_until)
      VALUES ('192.0.2.1', now() - interval '1 second'), ('192.0.2.2', now() + interval '10 minutes')`);
    await pool.query(sql.unsafe`
      INSERT INTO totp_failures (action, at) VALUES ('x', now() - interval '1 hour'), ('x', now())`);
    await pool.query(sql.unsafe`
      INSERT INTO admin_sessions (id_hash, source, created_at, last_seen_at, ended_at, end_reason) VALUES
        (decode(repeat('aa', 32), 'hex'), 'a', now() - interval '40 days', now() - interval '40 days', now() - interval '40 days', 'logout'),
        (decode(repeat('bb', 32), 'hex'), 'b', now() - interval '2 days', now() - interval '2 days', now() - interval '2 days', 'logout')`);

    expect(await pruneAuthTables(pool, talon.settings)).toBe(4);
    expect(await count('login_failures')).toBe(1);
    expect(await count('login_blocks')).toBe(1);
    expect(await count('totp_failures')).toBe(1);
    expect(await count('admin_sessions')).toBe(1);
  });
});
