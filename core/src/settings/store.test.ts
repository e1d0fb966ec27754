import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { z } from 'zod';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { createLogger } from '../logging/logger.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { SETTING_DEFINITIONS } from './definitions.ts';
import { SettingsStore, type SettingChange } from './store.ts';

const cipher = new SettingsCipher('settings-store-test-key-base-0123456789abcdef');
const logger = createLogger('silent');
let db: TestDatabase;

async function storedValue(key: string): Promise<string | null> {
  return db.pool.maybeOneFirst(
    sql.type(z.object({ value: z.string() }))`SELECT value FROM settings WHERE key = ${key}`,
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('SettingsStore', () => {
  it('encrypts a sensitive value before it reaches the database and reads it back in plaintext', async () => {
    const store = await SettingsStore.load(db.pool, cipher, logger);
    await store.set('github.token', 'ghp_abcdefghijklmnop1234');
    const raw = await storedValue('github.token');
    expect(raw).toMatch(/^enc:/);
    expect(raw).not.toContain('ghp_abcdefghijklmnop1234');
    expect(store.getString('github.token')).toBe('ghp_abcdefghijklmnop1234');
    const reloaded = await SettingsStore.load(db.pool, cipher, logger);
    expect(reloaded.getString('github.token')).toBe('ghp_abcdefghijklmnop1234');
  });

  it('never shows a sensitive value in plaintext in its listing', async () => {
    const store = await SettingsStore.load(db.pool, cipher, logger);
    await store.set('llm.anthropic_api_key', 'sk-ant-0123456789abcdef');
    const view = store.list().find((setting) => setting.key === 'llm.anthropic_api_key');
    expect(view).toMatchObject({ value: 'sk-a********cdef', sensitive: true, hasValue: true });
    expect(JSON.stringify(store.list())).not.toContain('sk-ant-0123456789abcdef');
  });

  it('treats keys that name a credential as sensitive even when nobody flagged them', async () => {
    const store = await SettingsStore.load(db.pool, cipher, logger);
    await store.set('mcp.api_key', 'mcp-key-value-123456');
    expect(await storedValue('mcp.api_key')).toMatch(/^enc:/);
  });

  it('keeps typed values and refuses values that do not fit the type', async () => {
    const store = await SettingsStore.load(db.pool, cipher, logger);
    await store.set('test.limit', 30, { type: 'integer' });
    await store.set('test.flag', true, { type: 'boolean' });
    await store.set('test.list', ['df', 'free'], { type: 'json' });
    expect(store.getInteger('test.limit', 0)).toBe(30);
    expect(store.getBoolean('test.flag', false)).toBe(true);
    expect(store.get('test.list')).toEqual(['df', 'free']);
    await expect(store.set('test.limit', '30abc')).rejects.toThrow('expects a whole number');
    expect(store.getInteger('test.limit', 0)).toBe(30);
    await expect(store.set('Bad Key', 'x')).rejects.toThrow('lower-case words separated by dots');
  });

  it('tells subscribers about changes and deletes', async () => {
    const store = await SettingsStore.load(db.pool, cipher, logger);
    const changes: SettingChange[] = [];
    const unsubscribe = store.onChange((change) => changes.push(change));
    await store.set('test.greeting', 'hello');
    await store.delete('test.greeting');
    await store.delete('test.greeting');
    unsubscribe();
    await store.set('test.greeting', 'unheard');
    expect(changes).toEqual([
      { key: 'test.greeting', value: 'hello', sensitive: false },
      { key: 'test.greeting', value: undefined, sensitive: false },
    ]);
    expect(await storedValue('test.greeting')).toBe('unheard');
  });

  it('seeds missing keys on first boot and never overwrites later edits', async () => {
    const store = await SettingsStore.load(db.pool, cipher, logger);
    const created = await store.seed(SETTING_DEFINITIONS, { 'telegram.chat_id': '4242' });
    expect(created).toContain('auth.rate_limit.max_attempts');
    expect(store.getString('telegram.chat_id')).toBe('4242');
    await store.set('auth.rate_limit.max_attempts', 7);
    const again = await store.seed(SETTING_DEFINITIONS, { 'telegram.chat_id': '9999' });
    expect(again).not.toContain('auth.rate_limit.max_attempts');
    const reloaded = await SettingsStore.load(db.pool, cipher, logger);
    expect(reloaded.getInteger('auth.rate_limit.max_attempts', 0)).toBe(7);
    expect(reloaded.getString('telegram.chat_id')).toBe('4242');
  });

  it('encrypts plaintext sensitive rows found at start, in place', async () => {
    await db.pool.query(sql.unsafe`
      INSERT INTO settings (key, value, sensitive) VALUES ('google.oauth.refresh_token', 'plain-refresh-token', true)
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, sensitive = true`);
    const store = await SettingsStore.load(db.pool, cipher, logger);
    expect(await store.encryptPlaintextSensitive()).toContain('google.oauth.refresh_token');
    expect(await storedValue('google.oauth.refresh_token')).toMatch(/^enc:/);
    expect(store.getString('google.oauth.refresh_token')).toBe('plain-refresh-token');
    expect(await store.encryptPlaintextSensitive()).toEqual([]);
  });

  it('leaves a value that cannot be decrypted out of the cache instead of serving ciphertext', async () => {
    const other = new SettingsCipher('a-different-key-base-for-this-one-value-000000');
    await db.pool.query(sql.unsafe`
      INSERT INTO settings (key, value, sensitive) VALUES ('test.foreign_secret', ${other.encrypt('x')}, true)`);
    const store = await SettingsStore.load(db.pool, cipher, logger);
    expect(store.get('test.foreign_secret')).toBeUndefined();
    expect(store.view('test.foreign_secret')).toMatchObject({ unreadable: true, value: '' });
  });
});
