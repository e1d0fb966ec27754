import { deriveKey } from '../crypto/settings-cipher.ts';

/** HKDF label of the key id; the id is derived one way from the key and reveals nothing of it. */
const KEY_ID_INFO = 'Talon.Backup.KeyId';

/**
 * The id a backup records for the SECRET_KEY_BASE its secrets were encrypted with: restore compares
 * it with the key it is given and refuses a wrong key before writing anything.
 */
export function keyIdOf(secretKeyBase: string): string {
  return deriveKey(secretKeyBase, KEY_ID_INFO).subarray(0, 16).toString('hex');
}
