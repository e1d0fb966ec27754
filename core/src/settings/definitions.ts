import { ANNOUNCEMENT_KINDS } from '../announcements/announcements.ts';
import { CONTENT_SETTING_DEFINITIONS } from '../content/settings.ts';
import { LLM_SETTING_DEFINITIONS } from '../llm/limits.ts';
import type { SettingType } from './value.ts';

export interface SettingDefinition {
  key: string;
  type: SettingType;
  /** Stored string form of the default. */
  defaultValue: string;
  category: string;
  sensitive: boolean;
  description: string;
}

function define(
  key: string,
  type: SettingType,
  defaultValue: string,
  category: string,
  description: string,
  sensitive = false,
): SettingDefinition {
  return { key, type, defaultValue, category, sensitive, description };
}

/**
 * Settings Talon seeds on first boot (missing keys only; later edits are never overwritten).
 * Defaults follow AlexClaw's seeder (reference Appendix A) where it has one.
 */
export const SETTING_DEFINITIONS: readonly SettingDefinition[] = [
  define(
    'auth.rate_limit.max_attempts',
    'integer',
    '5',
    'auth',
    'Failed logins allowed per address within the window',
  ),
  define(
    'auth.rate_limit.window_seconds',
    'integer',
    '300',
    'auth',
    'Window in which failed logins are counted',
  ),
  define(
    'auth.rate_limit.block_duration_seconds',
    'integer',
    '900',
    'auth',
    'How long an address stays blocked',
  ),
  define(
    'auth.rate_limit.global_max_failures',
    'integer',
    '50',
    'auth',
    'Failed logins from all addresses together before every login is slowed down (1 s, doubling, up to 30 s)',
  ),
  define(
    'auth.rate_limit.global_window_seconds',
    'integer',
    '900',
    'auth',
    'Window in which failed logins from all addresses are counted',
  ),
  define('auth.trust_proxy_headers', 'boolean', 'false', 'auth', 'Trust X-Forwarded-For / X-Forwarded-Proto'),
  define('auth.session.lifetime_seconds', 'integer', '28800', 'auth', 'Absolute session lifetime'),
  define(
    'auth.session.idle_timeout_seconds',
    'integer',
    '3600',
    'auth',
    'Session ends after this much inactivity',
  ),
  define('auth.totp.enabled', 'boolean', 'false', 'auth', 'Two-factor authentication is enrolled'),
  define('auth.totp.secret', 'string', '', 'auth', 'TOTP secret (Base32)', true),
  define('telegram.enabled', 'boolean', 'true', 'telegram', 'Poll Telegram for commands'),
  define('telegram.bot_token', 'string', '', 'telegram', 'Telegram bot token', true),
  define('telegram.chat_id', 'string', '', 'telegram', 'The only chat Talon obeys'),
  define(
    'telegram.poll_interval',
    'integer',
    '1000',
    'telegram',
    'Milliseconds to wait after a failed poll before polling again (doubles up to a minute while it keeps failing)',
  ),
  define('telegram.mode', 'string', 'polling', 'telegram', 'How updates arrive: polling or webhook'),
  define(
    'telegram.api_root',
    'string',
    'https://api.telegram.org',
    'telegram',
    'Bot API server (change it for a self-hosted Bot API server)',
  ),
  define(
    'telegram.webhook_secret',
    'string',
    '',
    'telegram',
    'Secret Telegram sends with each webhook call (generated when empty)',
    true,
  ),
  define(
    'telegram.free_text_workflow',
    'string',
    '',
    'telegram',
    'Workflow (name or id) that receives messages that are not commands; empty: none',
  ),
  define(
    'telegram.approve_admin_step_ups',
    'boolean',
    'false',
    'telegram',
    'Let 2FA codes asked for in the admin be given from Telegram instead',
  ),
  ...Object.entries(ANNOUNCEMENT_KINDS).map(([kind, what]) =>
    define(`telegram.announce.${kind}`, 'boolean', 'true', 'telegram', `Tell me on Telegram when ${what}`),
  ),
  define(
    'server.public_url',
    'string',
    '',
    'server',
    'The address Talon is reached at from the internet (webhooks, links), e.g. https://talon.example.org',
  ),
  define('llm.gemini_api_key', 'string', '', 'llm', 'Google Gemini API key', true),
  define('llm.anthropic_api_key', 'string', '', 'llm', 'Anthropic API key', true),
  define('github.token', 'string', '', 'github', 'GitHub token', true),
  define('github.webhook_secret', 'string', '', 'github', 'Secret that signs GitHub webhooks', true),
  define('github.watched_branches', 'string', 'main,master', 'github', 'Branches whose pushes are reviewed'),
  define('google.oauth.client_id', 'string', '', 'google', 'Google OAuth client id'),
  define('google.oauth.client_secret', 'string', '', 'google', 'Google OAuth client secret', true),
  define('google.oauth.refresh_token', 'string', '', 'google', 'Google OAuth refresh token', true),
  define('web_automator.enabled', 'boolean', 'false', 'automation', 'Use the browser sidecar'),
  define('web_automator.host', 'string', 'http://127.0.0.1:6900', 'automation', 'Browser sidecar address'),
  define('skills.circuit_breaker.cooldown_seconds', 'integer', '300', 'skills', 'Open circuit cool-down'),
  define(
    'skills.http.allow_private_addresses',
    'boolean',
    'false',
    'skills',
    'Let skills reach loopback, private and link-local addresses (hosts still need their allowlist)',
  ),
  define(
    'skills.http.allow_plain_http',
    'boolean',
    'false',
    'skills',
    'Let skills use plain http:// as well as https:// (hosts still need their allowlist)',
  ),
  define(
    'workflows.history.max_age_days',
    'integer',
    '30',
    'workflows',
    'Finished workflow runs older than this are deleted',
  ),
  define(
    'workflows.history.max_runs_per_workflow',
    'integer',
    '1000',
    'workflows',
    'Only this many finished runs are kept per workflow (the newest)',
  ),
  define(
    'workflows.approval_timeout_seconds',
    'integer',
    '120',
    'workflows',
    'How long a run of a 2FA-protected workflow waits for its code before it is cancelled',
  ),
  // The LLM router's limits and the content sanitizer's list and cap: each defined with its code.
  ...LLM_SETTING_DEFINITIONS,
  ...CONTENT_SETTING_DEFINITIONS,
];

/** Keys that are always encrypted at rest, whatever a caller says. */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  ...SETTING_DEFINITIONS.filter((definition) => definition.sensitive).map((definition) => definition.key),
  'auth.totp.pending_secret',
  'discord.bot_token',
]);
