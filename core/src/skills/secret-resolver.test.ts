import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SecretResolver } from '@talon/skill-runtime/ports.ts';
import type { SettingsStore } from '../settings/store.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { loadTestSettings } from '../testing/test-settings.ts';
import { ownerSecretResolver } from './secret-resolver.ts';

let database: TestDatabase;
let settings: SettingsStore;
let resolve: SecretResolver;

beforeAll(async () => {
  database = await createTestDatabase();
  settings = await loadTestSettings(database.pool);
  resolve = ownerSecretResolver(settings);
});
afterAll(async () => {
  await database?.drop();
});

it('hands out the value of a sensitive setting the owner set', async () => {
  await settings.set('weather.api_key', 'wk-7f3a9c', { sensitive: true });
  expect(resolve('weather.api_key')).toBe('wk-7f3a9c');
});

it('hands out nothing for a sensitive setting not set yet', () => {
  expect(resolve('mail.smtp_password')).toBe('');
});

it('hands out nothing for a plain setting, whatever a binding names', async () => {
  await settings.set('server.public_url', 'https://talon.example.org');
  expect(settings.isSensitive('server.public_url')).toBe(false);
  expect(resolve('server.public_url')).toBe('');
});

it("never hands out the owner's own credentials (auth.*), though they are sensitive", async () => {
  await settings.set('auth.totp.secret', 'JBSWY3DPEHPK3PXP');
  expect(settings.isSensitive('auth.totp.secret')).toBe(true);
  expect(resolve('auth.totp.secret')).toBe('');
});
