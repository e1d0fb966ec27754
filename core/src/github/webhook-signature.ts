/**
 * GitHub's webhook signature (reference §7 GH-2, GH-3): `X-Hub-Signature-256: sha256=<hex>`, the
 * lower-case hex HMAC-SHA256 of the raw body with `github.webhook_secret`, compared in constant
 * time. No secret set means no delivery is ever accepted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type GithubSignatureVerdict = 'valid' | 'no_secret' | 'invalid';

const PREFIX = 'sha256=';

export function githubSignature(secret: string, body: Buffer | string): string {
  return PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/** AlexClaw's decision table: a missing secret answers for itself unless the header is malformed. */
export function verifyGithubSignature(
  secret: string,
  header: string | undefined,
  body: Buffer,
): GithubSignatureVerdict {
  if (header === undefined) return secret === '' ? 'no_secret' : 'invalid';
  if (!header.startsWith(PREFIX)) return 'invalid';
  if (secret === '') return 'no_secret';
  const expected = Buffer.from(githubSignature(secret, body));
  const given = Buffer.from(header);
  // Lengths are public (a SHA-256 hex is always 71 characters); the contents are compared in constant time.
  if (given.length !== expected.length) return 'invalid';
  return timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}
