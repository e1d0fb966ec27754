import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { z } from 'zod';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { createLogger } from '../logging/logger.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { verifySecretKey } from './key-check.ts';
import { RotationError, rotateSecrets } from './rotate-secrets.ts';
import { SettingsStore } from './store.ts';

const OLD_KEY = 'the-old-secret-key-base-0123456789-abcdefghij';
const NEW_KEY = 'the-new-secret-key-base-9876543210-zyxwvutsrq';
const logger = createLogger('silent');
const SECRETS: Record<string, string> = {
  'github.token': 'ghp_000111222333444555',
  'llm.gemini_api_key': 'AIzaSy-gemini-key-value',
  'telegram.bot_token': '123456:telegram-bot-token',
  'google.oauth.client_secret': 'google-client-secret-value',
};

let db: TestDatabase;

async function storedRows(): Promise<Record<string, string>> {
  const rows = await db.pool.any(
    sql.type(z.object({ key: z.string(), value: z.string() }))`SELECT key, value FROM settings ORDER BY key`,
  );
  return Object.fromEntries(rows.map((row) => [row.key, row.value]));
}

function readableWith(key: string, stored: Record<string, string>): boolean {
  const cipher = new SettingsCipher(key);
  return Object.entries(SECRETS).every(([name, plaintext]) => {
    try {
      return cipher.decrypt(stored[name] ?? '') === plaintext;
    } catch {
      return false;
    }
  });
}

beforeEach(async () => {
  db = await createTestDatabase();
  const cipher = new SettingsCipher(OLD_KEY);
  await verifySecretKey(db.pool, cipher);
  const store = await SettingsStore.load(db.pool, cipher, logger);
  for (const [key, value] of Object.entries(SECRETS)) await store.set(key, value);
});
afterEach(async () => {
  await db.drop();
});

describe('a wrong SECRET_KEY_BASE', () => {
  it('is detected at start, with a message that says so, and nothing is rewritten', async () => {
    const before = await storedRows();
    await expect(verifySecretKey(db.pool, new SettingsCipher(NEW_KEY))).rejects.toThrow(
      /SECRET_KEY_BASE is not the key the stored secrets were encrypted with/,
    );
    expect(await storedRows()).toEqual(before);
  });

  it('is detected on a database written by AlexClaw, which has no check value yet', async () => {
    await db.pool.query(sql.unsafe`DELETE FROM secret_key_check`);
    await expect(verifySecretKey(db.pool, new SettingsCipher(NEW_KEY))).rejects.toThrow(/not the key/);
    expect(await verifySecretKey(db.pool, new SettingsCipher(OLD_KEY))).toBe('created');
  });
});

describe('rotateSecrets', () => {
  it('re-encrypts every sensitive value: readable with the new key, none with the old', async () => {
    const count = await rotateSecrets(db.pool, new SettingsCipher(OLD_KEY), new SettingsCipher(NEW_KEY));
    expect(count).toBe(Object.keys(SECRETS).length);
    const stored = await storedRows();
    expect(readableWith(NEW_KEY, stored)).toBe(true);
    expect(Object.keys(SECRETS).some((key) => readableWith(OLD_KEY, { [key]: stored[key] ?? '' }))).toBe(
      false,
    );
    expect(await verifySecretKey(db.pool, new SettingsCipher(NEW_KEY))).toBe('verified');
    await expect(verifySecretKey(db.pool, new SettingsCipher(OLD_KEY))).rejects.toThrow(/not the key/);
  });

  it('interrupted half-way, leaves every value readable with the old key', async () => {
    // The database fails the third update, as a crash or a lost connection would mid-rotation.
    await db.pool.query(sql.unsafe`CREATE SEQUENCE rotation_updates`);
    await db.pool.query(sql.unsafe`
      CREATE FUNCTION fail_third_update() RETURNS trigger AS $$
      BEGIN
        IF nextval('rotation_updates') = 3 THEN RAISE EXCEPTION 'connection lost'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await db.pool.query(sql.unsafe`
      CREATE TRIGGER interrupt_rotation BEFORE UPDATE ON settings
        FOR EACH ROW EXECUTE FUNCTION fail_third_update()`);
    await expect(
      rotateSecrets(db.pool, new SettingsCipher(OLD_KEY), new SettingsCipher(NEW_KEY)),
    ).rejects.toThrow(/connection lost/);
    const stored = await storedRows();
    expect(readableWith(OLD_KEY, stored)).toBe(true);
    expect(await verifySecretKey(db.pool, new SettingsCipher(OLD_KEY))).toBe('verified');
  });

  it('refuses to start from a key that is not the current one', async () => {
    await expect(
      rotateSecrets(db.pool, new SettingsCipher(NEW_KEY), new SettingsCipher(OLD_KEY)),
    ).rejects.toBeInstanceOf(RotationError);
    expect(readableWith(OLD_KEY, await storedRows())).toBe(true);
  });
});
