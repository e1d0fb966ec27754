/**
 * Which settings `PUT /api/settings/:key` refuses outright. Whether a change needs a fresh 2FA
 * code is each setting definition's `requiresCode` (settings/definitions.ts, looked up by
 * settings/code-requirement.ts): the one place that list lives.
 */

/**
 * Settings that only their own flow may change: editing the 2FA secret or flag here would turn
 * 2FA off without a code, which is exactly what `POST /api/auth/totp/disable` exists to prevent.
 */
const MANAGED_ELSEWHERE: readonly { prefix: string; where: string }[] = [
  { prefix: 'auth.totp.', where: 'the 2FA endpoints (/api/auth/totp/...)' },
  // Each entry is checked against the grammar there, so a typo is named instead of silently unused.
  { prefix: 'shell.whitelist', where: "the Shell screen's whitelist editor (/api/shell/whitelist)" },
  // A webhook secret is made by Talon and shown once; nobody chooses it.
  { prefix: 'workflows.webhook.', where: "the workflow's webhook trigger (/api/workflows/:id/webhook)" },
];

/** Where a setting is changed instead, when the settings API must not change it; undefined otherwise. */
export function managedElsewhere(key: string): string | undefined {
  return MANAGED_ELSEWHERE.find((entry) => key.startsWith(entry.prefix))?.where;
}
