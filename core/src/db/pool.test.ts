import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../testing/test-database.ts';
import { openPool, type DatabasePool } from './pool.ts';

// A pooled connection is handed to the next query as new (a session setting made by one query
// never reaches another), unless the pool was opened for statements that leave no session state.

let database: { url: string; drop(): Promise<void> };
let resetting: DatabasePool;
let kept: DatabasePool;

beforeAll(async () => {
  database = await createEmptyDatabase();
  // One connection each: the second query gets the connection the first one used.
  resetting = await openPool(database.url, 'the test database', { maximumPoolSize: 1 });
  kept = await openPool(database.url, 'the test database', { maximumPoolSize: 1, resetSession: false });
});

afterAll(async () => {
  await resetting?.end();
  await kept?.end();
  await database?.drop();
});

const workMem = (pool: DatabasePool) => pool.oneFirst(sql.unsafe`SELECT current_setting('work_mem')`);

describe('the connection pool', () => {
  it('resets a connection between two queries by default', async () => {
    const before = await workMem(resetting);
    await resetting.query(sql.unsafe`SET work_mem = '77MB'`);
    expect(await workMem(resetting)).toBe(before);
  });

  it('with resetSession false, hands the connection on as it is', async () => {
    await kept.query(sql.unsafe`SET work_mem = '77MB'`);
    expect(await workMem(kept)).toBe('77MB');
  });
});
