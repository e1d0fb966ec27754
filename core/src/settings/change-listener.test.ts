import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { openPool, type DatabasePool } from '../db/pool.ts';
import { createLogger } from '../logging/logger.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { listenForSettingChanges, type SettingsChangeListener } from './change-listener.ts';
import { SettingsStore, type SettingChange } from './store.ts';

const cipher = new SettingsCipher('change-listener-test-key-base-0123456789abc');
const logger = createLogger('silent');
let db: TestDatabase;
let otherPool: DatabasePool;
let listener: SettingsChangeListener;

beforeAll(async () => {
  db = await createTestDatabase();
  otherPool = await openPool(db.url, 'the second node');
});
afterAll(async () => {
  await listener.close();
  await otherPool.end();
  await db.drop();
});

function nextChange(store: SettingsStore, key: string): Promise<SettingChange> {
  return new Promise((resolve) => {
    const unsubscribe = store.onChange((change) => {
      if (change.key !== key) return;
      unsubscribe();
      resolve(change);
    });
  });
}

describe('settings changed on another node', () => {
  it('reach this node cache and its subscribers, sensitive ones included, deletes too', async () => {
    const nodeA = await SettingsStore.load(db.pool, cipher, logger);
    const nodeB = await SettingsStore.load(otherPool, cipher, logger);
    listener = await listenForSettingChanges(db.url, nodeB, logger);

    const changed = nextChange(nodeB, 'auth.rate_limit.max_attempts');
    await nodeA.set('auth.rate_limit.max_attempts', 3, { type: 'integer' });
    expect(await changed).toMatchObject({ value: 3 });
    expect(nodeB.getInteger('auth.rate_limit.max_attempts', 5)).toBe(3);

    const secret = nextChange(nodeB, 'github.token');
    await nodeA.set('github.token', 'ghp_changed_on_node_a');
    await secret;
    expect(nodeB.getString('github.token')).toBe('ghp_changed_on_node_a');

    const deleted = nextChange(nodeB, 'github.token');
    await nodeA.delete('github.token');
    expect(await deleted).toMatchObject({ value: undefined });
    expect(nodeB.has('github.token')).toBe(false);
  });
});
