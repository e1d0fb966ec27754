import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { TalonError } from '../errors.ts';

/**
 * Encryption of sensitive settings at rest, byte-compatible with AlexClaw (reference §3):
 * AES-256-GCM, 12-byte random IV, 16-byte tag, empty AAD, key = HKDF-SHA256(SECRET_KEY_BASE,
 * salt = 32 zero bytes, info = "AlexClaw.Config.Crypto", 32 bytes), stored as
 * "enc:" + base64(IV ‖ ciphertext ‖ tag).
 */
export const ENCRYPTED_PREFIX = 'enc:';
export const SETTINGS_KEY_INFO = 'AlexClaw.Config.Crypto';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export type DecryptionErrorCode = 'invalid_base64' | 'invalid_ciphertext' | 'decryption_failed';

export class DecryptionError extends TalonError {
  declare readonly code: DecryptionErrorCode;

  constructor(code: DecryptionErrorCode, message: string) {
    super(code, message, 500);
  }
}

/** HKDF-SHA256 with a 32-zero-byte salt (RFC 5869's default for an empty salt). */
export function deriveKey(secretKeyBase: string, info: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(secretKeyBase, 'utf8'), Buffer.alloc(32), info, KEY_BYTES),
  );
}

export function isEncrypted(value: string): boolean {
  return value.startsWith(ENCRYPTED_PREFIX);
}

export class SettingsCipher {
  readonly #key: Buffer;

  /** The key is derived once per cipher; keep one cipher for the life of the process. */
  constructor(secretKeyBase: string) {
    this.#key = deriveKey(secretKeyBase, SETTINGS_KEY_INFO);
  }

  /** Empty values are never encrypted (they hold nothing to protect), as in AlexClaw. */
  encrypt(plaintext: string): string {
    if (plaintext === '') return '';
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ENCRYPTED_PREFIX + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64');
  }

  /** A value without the `enc:` prefix is returned as it is (plaintext from before encryption). */
  decrypt(stored: string): string {
    if (!isEncrypted(stored)) return stored;
    const encoded = stored.slice(ENCRYPTED_PREFIX.length);
    if (!STANDARD_BASE64.test(encoded)) {
      throw new DecryptionError('invalid_base64', 'Encrypted value is not valid base64');
    }
    const bytes = Buffer.from(encoded, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) {
      throw new DecryptionError(
        'invalid_ciphertext',
        `Encrypted value is too short: ${bytes.length} bytes, at least ${IV_BYTES + TAG_BYTES} expected`,
      );
    }
    const iv = bytes.subarray(0, IV_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, -TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new DecryptionError(
        'decryption_failed',
        'Encrypted value failed authentication: it was tampered with or encrypted with another SECRET_KEY_BASE',
      );
    }
  }
}
