import { loadSettings } from '../boot.ts';
import { loadConfig } from '../config/env.ts';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import type { DatabasePool } from '../db/pool.ts';
import { createLogger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { TEST_SECRET_KEY_BASE } from './test-app.ts';

/** The owner's settings on a test database, seeded and read as boot.ts does, encrypted with `secretKeyBase`. */
export function loadTestSettings(
  pool: DatabasePool,
  secretKeyBase: string = TEST_SECRET_KEY_BASE,
): Promise<SettingsStore> {
  return loadSettings(
    pool,
    new SettingsCipher(secretKeyBase),
    loadConfig({ NODE_ENV: 'test', SECRET_KEY_BASE: secretKeyBase }),
    createLogger('silent'),
  );
}
