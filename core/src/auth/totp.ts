import { generate, generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 as every authenticator app does it: HMAC-SHA1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** ±1 step of clock drift between the phone and the host. */
export const TOTP_DRIFT_STEPS = 1;
const CODE_PATTERN = /^\d{6}$/;

/** A new secret: 20 random bytes (160 bits, RFC 4226's recommendation), Base32 without padding. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The `otpauth://` URI an authenticator app reads from the QR code. */
export function totpUri(secret: string, issuer: string, account = 'admin'): string {
  return generateURI({
    issuer,
    label: account,
    secret,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

export function timeStepAt(epochSeconds: number): number {
  return Math.floor(epochSeconds / TOTP_PERIOD_SECONDS);
}

/** The code for the time step that holds `epochSeconds`. */
export async function totpCodeAt(secret: string, epochSeconds: number): Promise<string> {
  return generate({
    secret,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    epoch: epochSeconds,
  });
}

export type TotpCheck = { valid: true; timeStep: number } | { valid: false };

/**
 * Whether `code` is the code of the current step or one step either side; returns the step it
 * matched so the caller can refuse its reuse. Anything but exactly six digits is invalid.
 */
export async function checkTotpCode(secret: string, code: string, epochSeconds: number): Promise<TotpCheck> {
  if (!CODE_PATTERN.test(code) || secret === '') return { valid: false };
  const result = await verify({
    secret,
    token: code,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    epoch: epochSeconds,
    epochTolerance: TOTP_DRIFT_STEPS * TOTP_PERIOD_SECONDS,
  });
  // delta: how many steps from the current one the code matched (-1, 0 or +1).
  return result.valid ? { valid: true, timeStep: timeStepAt(epochSeconds) + result.delta } : { valid: false };
}
