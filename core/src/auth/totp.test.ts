import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { checkTotpCode, newTotpSecret, timeStepAt, totpCodeAt, totpUri } from './totp.ts';

/** RFC 6238 appendix B: the SHA-1 seed is the ASCII "12345678901234567890", here in Base32. */
const RFC_SHA1_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_SHA1_VECTORS: readonly [epochSeconds: number, eightDigits: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it('otplib with 8 digits gives the RFC 6238 SHA-1 test vectors', async () => {
    for (const [epoch, expected] of RFC_SHA1_VECTORS) {
      const code = await generate({
        secret: RFC_SHA1_SECRET,
        algorithm: 'sha1',
        digits: 8,
        period: 30,
        epoch,
      });
      expect(code, `T=${epoch}`).toBe(expected);
    }
  });

  it('our 6-digit codes are the same HOTP values truncated to 6 digits (mod 10^6)', async () => {
    for (const [epoch, eightDigits] of RFC_SHA1_VECTORS) {
      expect(await totpCodeAt(RFC_SHA1_SECRET, epoch), `T=${epoch}`).toBe(eightDigits.slice(-6));
    }
  });

  it('accepts the RFC codes at their time, and reports the time step they belong to', async () => {
    for (const [epoch, eightDigits] of RFC_SHA1_VECTORS) {
      expect(await checkTotpCode(RFC_SHA1_SECRET, eightDigits.slice(-6), epoch)).toEqual({
        valid: true,
        timeStep: Math.floor(epoch / 30),
      });
    }
  });

  it('allows one step of drift either way, and no more', async () => {
    const secret = newTotpSecret();
    const now = 1_800_000_015; // the middle of a step
    const step = timeStepAt(now);
    const at = (steps: number) => totpCodeAt(secret, now + steps * 30);
    expect(await checkTotpCode(secret, await at(-1), now)).toEqual({ valid: true, timeStep: step - 1 });
    expect(await checkTotpCode(secret, await at(0), now)).toEqual({ valid: true, timeStep: step });
    expect(await checkTotpCode(secret, await at(1), now)).toEqual({ valid: true, timeStep: step + 1 });
    expect(await checkTotpCode(secret, await at(-2), now)).toEqual({ valid: false });
    expect(await checkTotpCode(secret, await at(2), now)).toEqual({ valid: false });
  });

  it('refuses anything but exactly six digits', async () => {
    const secret = newTotpSecret();
    const now = 1_800_000_000;
    const code = await totpCodeAt(secret, now);
    for (const bad of ['', `${code}0`, code.slice(1), ` ${code}`, `${code.slice(0, 5)}a`, '１２３４５６']) {
      expect(await checkTotpCode(secret, bad, now), JSON.stringify(bad)).toEqual({ valid: false });
    }
  });

  it('makes 160-bit Base32 secrets and an otpauth URI that names the issuer', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = new URL(totpUri(secret, 'Talon'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Talon:admin');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Talon');
  });
});
