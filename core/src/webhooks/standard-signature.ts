/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec 1.0.0), symmetric signatures: the
 * sender signs `<webhook-id>.<webhook-timestamp>.<body>` with HMAC-SHA256 under the secret's key
 * (the base64 after `whsec_`) and sends `webhook-signature: v1,<base64>` (several, space-separated,
 * while a secret is rotated). Timestamps more than 5 minutes off either way are refused.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** Bytes of a generated secret's key (the spec allows 24 to 64). */
export const SECRET_KEY_BYTES = 32;
/** How far a webhook-timestamp may be from now, either way. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;
/** A webhook-id longer than this is refused (ids are remembered). */
export const MESSAGE_ID_MAX_CHARS = 256;

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_KEY_BYTES).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
}

/** `v1,<base64>` for one message (what a sender puts in `webhook-signature`). */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: Buffer | string,
): string {
  const signed = Buffer.concat([
    Buffer.from(`${id}.${timestamp}.`),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  ]);
  return `v1,${createHmac('sha256', keyOf(secret)).update(signed).digest('base64')}`;
}

export type StandardVerdict =
  { ok: true; id: string; timestamp: number } | { ok: false; error: string; message: string };

export interface StandardHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

function isDigits(text: string): boolean {
  if (text === '' || text.length > 12) return false;
  for (const char of text) if (char < '0' || char > '9') return false;
  return true;
}

export function verifyStandardWebhook(
  secret: string,
  headers: StandardHeaders,
  body: Buffer,
  nowSeconds: number,
): StandardVerdict {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) {
    return {
      ok: false,
      error: 'webhook_signature_missing',
      message: 'Signed webhooks need webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks)',
    };
  }
  if (id.length > MESSAGE_ID_MAX_CHARS) {
    return {
      ok: false,
      error: 'webhook_id_invalid',
      message: `webhook-id is longer than ${MESSAGE_ID_MAX_CHARS} characters`,
    };
  }
  if (!isDigits(timestamp)) {
    return {
      ok: false,
      error: 'webhook_timestamp_invalid',
      message: 'webhook-timestamp must be Unix seconds',
    };
  }
  const sent = Number(timestamp);
  if (Math.abs(nowSeconds - sent) > TIMESTAMP_TOLERANCE_SECONDS) {
    return {
      ok: false,
      error: 'webhook_timestamp_out_of_range',
      message: `webhook-timestamp is more than ${TIMESTAMP_TOLERANCE_SECONDS / 60} minutes ${sent < nowSeconds ? 'old' : 'ahead'}: check the sender's clock`,
    };
  }
  const expected = Buffer.from(signStandardWebhook(secret, id, sent, body).slice(3));
  const matches = signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .some((entry) => {
      const given = Buffer.from(entry.slice(3));
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!matches)
    return { ok: false, error: 'webhook_signature_invalid', message: 'No webhook-signature matches' };
  return { ok: true, id, timestamp: sent };
}
