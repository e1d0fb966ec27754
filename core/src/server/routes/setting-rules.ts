/**
 * Which settings `PUT /api/settings/:key` refuses outright, and which need a fresh 2FA code: the one
 * place these rules live (the route applies them, `GET /api/settings` shows them as `requiresCode`).
 */

/**
 * Settings that only their own flow may change: editing the 2FA secret or flag here would turn
 * 2FA off without a code, which is exactly what `POST /api/auth/totp/disable` exists to prevent.
 */
const MANAGED_ELSEWHERE: readonly { prefix: string; where: string }[] = [
  { prefix: 'auth.totp.', where: 'the 2FA endpoints (/api/auth/totp/...)' },
];

/** Every login, session and proxy-trust setting: loosening one helps whoever steals a session next. */
const STEP_UP_PREFIXES: readonly string[] = ['auth.'];

/** Settings that widen what skills can reach (loopback and private addresses, plain http). */
const STEP_UP_KEYS: ReadonlySet<string> = new Set([
  'skills.http.allow_private_addresses',
  'skills.http.allow_plain_http',
  // Whom Talon obeys on Telegram, and where its commands and webhooks come from.
  'telegram.bot_token',
  'telegram.chat_id',
  'telegram.mode',
  'telegram.api_root',
  'telegram.approve_admin_step_ups',
  'server.public_url',
]);

/** Where a setting is changed instead, when the settings API must not change it; undefined otherwise. */
export function managedElsewhere(key: string): string | undefined {
  return MANAGED_ELSEWHERE.find((entry) => key.startsWith(entry.prefix))?.where;
}

/** True when changing `key` needs a fresh TOTP code (step-up 2FA), not only the admin session. */
export function settingNeedsCode(key: string): boolean {
  return STEP_UP_KEYS.has(key) || STEP_UP_PREFIXES.some((prefix) => key.startsWith(prefix));
}
