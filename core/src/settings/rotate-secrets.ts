import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { SettingsCipher } from '../crypto/settings-cipher.ts';
import { TalonError } from '../errors.ts';
import { WRONG_KEY_MESSAGE, keyCheckMatches, writeKeyCheck } from './key-check.ts';

export class RotationError extends TalonError {
  constructor(message: string) {
    super('rotation_failed', message, 500);
  }
}

/**
 * Re-encrypts every sensitive setting from the old key to the new one in a single transaction: if
 * anything fails half-way, PostgreSQL rolls it all back and every value stays readable with the old
 * key. Returns the number of values re-encrypted.
 */
export async function rotateSecrets(
  pool: DatabasePool,
  oldCipher: SettingsCipher,
  newCipher: SettingsCipher,
): Promise<number> {
  return pool.transaction(async (transaction) => {
    const check = await transaction.maybeOneFirst(sql.type(z.object({ value: z.string() }))`
      SELECT value FROM secret_key_check WHERE id = 1 FOR UPDATE`);
    if (check !== null && !keyCheckMatches(oldCipher, check)) throw new RotationError(WRONG_KEY_MESSAGE);
    const rows = await transaction.any(sql.type(z.object({ key: z.string(), value: z.string() }))`
      SELECT key, value FROM settings WHERE sensitive AND value <> '' ORDER BY key FOR UPDATE`);
    for (const row of rows) {
      let plaintext: string;
      try {
        plaintext = oldCipher.decrypt(row.value);
      } catch (error) {
        throw new RotationError(
          `Setting ${row.key} cannot be decrypted with the current SECRET_KEY_BASE (${(error as Error).message}); nothing was changed`,
        );
      }
      await transaction.query(sql.unsafe`
        UPDATE settings SET value = ${newCipher.encrypt(plaintext)}, updated_at = now() WHERE key = ${row.key}`);
    }
    await writeKeyCheck(transaction, newCipher);
    return rows.length;
  });
}
