import { sql, type DatabasePool, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { SettingsCipher } from '../crypto/settings-cipher.ts';
import { StartupError } from '../errors.ts';

/** The plaintext stored encrypted in `secret_key_check`; any fixed text would do. */
export const KEY_CHECK_PLAINTEXT = 'talon:secret-key-check:v1';

export const WRONG_KEY_MESSAGE =
  'SECRET_KEY_BASE is not the key the stored secrets were encrypted with: start Talon with the previous ' +
  'SECRET_KEY_BASE, or change keys with "pnpm talon secrets rotate"; nothing was changed';

function decryptsWith(cipher: SettingsCipher, stored: string, expected?: string): boolean {
  try {
    const plaintext = cipher.decrypt(stored);
    return expected === undefined || plaintext === expected;
  } catch {
    return false;
  }
}

/**
 * Proves at start that SECRET_KEY_BASE is the key the sensitive settings were written with, so Talon
 * never runs on with ciphertext in its cache. On a database without a check value (new, or written by
 * AlexClaw) an existing encrypted setting is the proof, and the check value is then created.
 */
export async function verifySecretKey(
  pool: DatabasePool,
  cipher: SettingsCipher,
): Promise<'created' | 'verified'> {
  const check = await pool.maybeOneFirst(sql.type(z.object({ value: z.string() }))`
    SELECT value FROM secret_key_check WHERE id = 1`);
  if (check !== null) {
    if (!decryptsWith(cipher, check, KEY_CHECK_PLAINTEXT))
      throw new StartupError('wrong_secret_key', WRONG_KEY_MESSAGE);
    return 'verified';
  }
  const sample = await pool.maybeOneFirst(sql.type(z.object({ value: z.string() }))`
    SELECT value FROM settings WHERE sensitive AND value LIKE 'enc:%' ORDER BY key LIMIT 1`);
  if (sample !== null && !decryptsWith(cipher, sample)) {
    throw new StartupError('wrong_secret_key', WRONG_KEY_MESSAGE);
  }
  await pool.query(sql.unsafe`
    INSERT INTO secret_key_check (id, value) VALUES (1, ${cipher.encrypt(KEY_CHECK_PLAINTEXT)})
    ON CONFLICT (id) DO NOTHING`);
  // Another node may have created it a moment earlier, with its key: check what is stored now.
  await verifySecretKey(pool, cipher);
  return 'created';
}

export async function writeKeyCheck(
  connection: DatabaseTransactionConnection,
  cipher: SettingsCipher,
): Promise<void> {
  await connection.query(sql.unsafe`
    INSERT INTO secret_key_check (id, value, rotated_at) VALUES (1, ${cipher.encrypt(KEY_CHECK_PLAINTEXT)}, now())
    ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value, rotated_at = now()`);
}

export function keyCheckMatches(cipher: SettingsCipher, stored: string): boolean {
  return decryptsWith(cipher, stored, KEY_CHECK_PLAINTEXT);
}
