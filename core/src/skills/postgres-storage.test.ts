import { afterAll, beforeAll } from 'vitest';
import { describeStorageContract } from '@talon/skill-runtime/testing/storage-contract.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { PostgresStorage } from './postgres-storage.ts';
import { sql } from 'slonik';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describeStorageContract('PostgreSQL', async () => {
  await database.pool.query(sql.unsafe`TRUNCATE skill_storage`);
  return new PostgresStorage(database.pool);
});
