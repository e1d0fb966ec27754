import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, SettingsCipher } from './settings-cipher.ts';

const KEY_BASE = 'a-test-secret-key-base-that-is-long-enough-0123456789';

/** HKDF-SHA256 written out by hand from RFC 5869, with AlexClaw's documented parameters. */
function alexClawKey(secretKeyBase: string): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(secretKeyBase).digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('AlexClaw.Config.Crypto'), Buffer.from([1])]))
    .digest();
}

function alexClawEncrypt(secretKeyBase: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', alexClawKey(secretKeyBase), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return 'enc:' + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

function decryptionCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DecryptionError) return error.code;
    throw error;
  }
  throw new Error('expected decryption to fail');
}

describe('SettingsCipher', () => {
  const cipher = new SettingsCipher(KEY_BASE);

  it('round-trips a value and stores it in the enc: format', () => {
    const stored = cipher.encrypt('ghp_secret_token_value');
    expect(stored).toMatch(/^enc:[A-Za-z0-9+/]+={0,2}$/);
    expect(stored).not.toContain('ghp_secret');
    expect(cipher.decrypt(stored)).toBe('ghp_secret_token_value');
    expect(cipher.decrypt(cipher.encrypt('ünïcødé ✓'))).toBe('ünïcødé ✓');
  });

  it('gives a different ciphertext each time for the same plaintext', () => {
    expect(cipher.encrypt('same')).not.toBe(cipher.encrypt('same'));
  });

  it('leaves empty values and plaintext without the prefix as they are', () => {
    expect(cipher.encrypt('')).toBe('');
    expect(cipher.decrypt('not encrypted')).toBe('not encrypted');
  });

  it('decrypts a value encrypted independently with the documented AlexClaw parameters', () => {
    expect(cipher.decrypt(alexClawEncrypt(KEY_BASE, 'sk-ant-from-alexclaw'))).toBe('sk-ant-from-alexclaw');
  });

  it('refuses tampered ciphertext', () => {
    const bytes = Buffer.from(cipher.encrypt('value').slice(4), 'base64');
    bytes[14] = (bytes[14] ?? 0) ^ 0xff;
    expect(decryptionCode(() => cipher.decrypt('enc:' + bytes.toString('base64')))).toBe('decryption_failed');
  });

  it('refuses a value encrypted with another key', () => {
    const other = new SettingsCipher('another-secret-key-base-that-is-long-enough-987654');
    expect(decryptionCode(() => cipher.decrypt(other.encrypt('value')))).toBe('decryption_failed');
  });

  it('refuses bad base64', () => {
    expect(decryptionCode(() => cipher.decrypt('enc:not*base64!'))).toBe('invalid_base64');
  });

  it('refuses input shorter than IV + tag, and accepts exactly 28 bytes as an empty plaintext', () => {
    expect(decryptionCode(() => cipher.decrypt('enc:' + randomBytes(27).toString('base64')))).toBe(
      'invalid_ciphertext',
    );
    const iv = randomBytes(12);
    const aes = createCipheriv('aes-256-gcm', alexClawKey(KEY_BASE), iv);
    aes.final();
    const empty = 'enc:' + Buffer.concat([iv, aes.getAuthTag()]).toString('base64');
    expect(cipher.decrypt(empty)).toBe('');
  });
});
