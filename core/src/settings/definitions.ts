import { ANNOUNCEMENT_KINDS } from '../announcements/announcements.ts';
import { AUTOMATION_SETTING_DEFINITIONS } from '../automation/settings.ts';
import { BACKUP_SETTING_DEFINITIONS } from '../backup/settings.ts';
import { CONTENT_SETTING_DEFINITIONS } from '../content/settings.ts';
import { LLM_SETTING_DEFINITIONS } from '../llm/limits.ts';
import { SHELL_SETTING_DEFINITIONS } from '../shell/settings.ts';
import type { SettingType } from './value.ts';

/**
 * What changing a setting needs besides the admin session (issue 10 §1: a password-only session
 * may use Talon but not weaken it). Once 2FA is enrolled, a fresh code is needed for anything that
 * lowers a protection, changes whom Talon obeys, or changes where data or commands go.
 */
export type CodeRequirement =
  /** Nothing a thief could use: history limits, timeouts, cool-downs. */
  | 'none'
  /**
   * A fresh 2FA code once 2FA is enrolled. Before that the change goes through (there is nothing to
   * step up with), and the dashboard says in red that 2FA is off and what that leaves open.
   */
  | 'once_enrolled'
  /** A fresh 2FA code, and refused outright until 2FA is enrolled: login, sessions, what skills may reach. */
  | 'always';

export const CODE_REQUIREMENTS: readonly CodeRequirement[] = ['none', 'once_enrolled', 'always'];

export interface SettingDefinition {
  key: string;
  type: SettingType;
  /** Stored string form of the default. */
  defaultValue: string;
  category: string;
  sensitive: boolean;
  description: string;
  /** Required, so no setting can be added without deciding whether changing it needs a code. */
  requiresCode: CodeRequirement;
}

function define(
  key: string,
  type: SettingType,
  defaultValue: string,
  category: string,
  description: string,
  rules: { requiresCode: CodeRequirement; sensitive?: boolean },
): SettingDefinition {
  return {
    key,
    type,
    defaultValue,
    category,
    sensitive: rules.sensitive ?? false,
    description,
    requiresCode: rules.requiresCode,
  };
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
    { requiresCode: 'always' },
  ),
  define(
    'auth.rate_limit.window_seconds',
    'integer',
    '300',
    'auth',
    'Window in which failed logins are counted',
    { requiresCode: 'always' },
  ),
  define(
    'auth.rate_limit.block_duration_seconds',
    'integer',
    '900',
    'auth',
    'How long an address stays blocked',
    { requiresCode: 'always' },
  ),
  define(
    'auth.rate_limit.global_max_failures',
    'integer',
    '50',
    'auth',
    'Failed logins from all addresses together before every login is slowed down (1 s, doubling, up to 30 s)',
    { requiresCode: 'always' },
  ),
  define(
    'auth.rate_limit.global_window_seconds',
    'integer',
    '900',
    'auth',
    'Window in which failed logins from all addresses are counted',
    { requiresCode: 'always' },
  ),
  define(
    'auth.trust_proxy_headers',
    'boolean',
    'false',
    'auth',
    'Trust X-Forwarded-For / X-Forwarded-Proto',
    { requiresCode: 'always' },
  ),
  define('auth.session.lifetime_seconds', 'integer', '28800', 'auth', 'Absolute session lifetime', {
    requiresCode: 'always',
  }),
  define(
    'auth.session.idle_timeout_seconds',
    'integer',
    '3600',
    'auth',
    'Session ends after this much inactivity',
    { requiresCode: 'always' },
  ),
  define('auth.totp.enabled', 'boolean', 'false', 'auth', 'Two-factor authentication is enrolled', {
    requiresCode: 'always',
  }),
  define('auth.totp.secret', 'string', '', 'auth', 'TOTP secret (Base32)', {
    requiresCode: 'always',
    sensitive: true,
  }),
  define('telegram.enabled', 'boolean', 'true', 'telegram', 'Poll Telegram for commands', {
    requiresCode: 'once_enrolled',
  }),
  define('telegram.bot_token', 'string', '', 'telegram', 'Telegram bot token', {
    requiresCode: 'once_enrolled',
    sensitive: true,
  }),
  define('telegram.chat_id', 'string', '', 'telegram', 'The only chat Talon obeys', {
    requiresCode: 'once_enrolled',
  }),
  define(
    'telegram.poll_interval',
    'integer',
    '1000',
    'telegram',
    'Milliseconds to wait after a failed poll before polling again (doubles up to a minute while it keeps failing)',
    { requiresCode: 'once_enrolled' },
  ),
  define('telegram.mode', 'string', 'polling', 'telegram', 'How updates arrive: polling or webhook', {
    requiresCode: 'once_enrolled',
  }),
  define(
    'telegram.api_root',
    'string',
    'https://api.telegram.org',
    'telegram',
    'Bot API server (change it for a self-hosted Bot API server)',
    { requiresCode: 'once_enrolled' },
  ),
  define(
    'telegram.webhook_secret',
    'string',
    '',
    'telegram',
    'Secret Telegram sends with each webhook call (generated when empty)',
    { requiresCode: 'once_enrolled', sensitive: true },
  ),
  define(
    'telegram.free_text_workflow',
    'string',
    '',
    'telegram',
    'Workflow (name or id) that receives messages that are not commands (the built-in "chat" answers them); empty: none',
    { requiresCode: 'once_enrolled' },
  ),
  define(
    'telegram.approve_admin_step_ups',
    'boolean',
    'false',
    'telegram',
    'Let 2FA codes asked for in the admin be given from Telegram instead',
    { requiresCode: 'once_enrolled' },
  ),
  ...Object.entries(ANNOUNCEMENT_KINDS).map(([kind, what]) =>
    define(`telegram.announce.${kind}`, 'boolean', 'true', 'telegram', `Tell me on Telegram when ${what}`, {
      requiresCode: 'once_enrolled',
    }),
  ),
  define(
    'server.public_url',
    'string',
    '',
    'server',
    'The address Talon is reached at from the internet (webhooks, links), e.g. https://talon.example.org',
    { requiresCode: 'once_enrolled' },
  ),
  define('llm.gemini_api_key', 'string', '', 'llm', 'Google Gemini API key', {
    requiresCode: 'once_enrolled',
    sensitive: true,
  }),
  define('llm.anthropic_api_key', 'string', '', 'llm', 'Anthropic API key', {
    requiresCode: 'once_enrolled',
    sensitive: true,
  }),
  define('github.token', 'string', '', 'github', 'GitHub token', {
    requiresCode: 'once_enrolled',
    sensitive: true,
  }),
  define('github.webhook_secret', 'string', '', 'github', 'Secret that signs GitHub webhooks', {
    requiresCode: 'once_enrolled',
    sensitive: true,
  }),
  define('github.watched_branches', 'string', 'main,master', 'github', 'Branches whose pushes are reviewed', {
    requiresCode: 'once_enrolled',
  }),
  define('google.oauth.client_id', 'string', '', 'google', 'Google OAuth client id', {
    requiresCode: 'none',
  }),
  define('google.oauth.client_secret', 'string', '', 'google', 'Google OAuth client secret', {
    requiresCode: 'once_enrolled',
    sensitive: true,
  }),
  define('google.oauth.refresh_token', 'string', '', 'google', 'Google OAuth refresh token', {
    requiresCode: 'once_enrolled',
    sensitive: true,
  }),
  // The browser sidecar: where it runs, its token, its caps (each a code once 2FA is enrolled).
  ...AUTOMATION_SETTING_DEFINITIONS,
  define('skills.circuit_breaker.cooldown_seconds', 'integer', '300', 'skills', 'Open circuit cool-down', {
    requiresCode: 'none',
  }),
  define(
    'skills.http.allow_private_addresses',
    'boolean',
    'false',
    'skills',
    'Let skills reach loopback, private and link-local addresses (hosts still need their allowlist)',
    { requiresCode: 'always' },
  ),
  define(
    'skills.http.allow_plain_http',
    'boolean',
    'false',
    'skills',
    'Let skills use plain http:// as well as https:// (hosts still need their allowlist)',
    { requiresCode: 'always' },
  ),
  define(
    'workflows.history.max_age_days',
    'integer',
    '30',
    'workflows',
    'Finished workflow runs older than this are deleted',
    { requiresCode: 'none' },
  ),
  define(
    'workflows.history.max_runs_per_workflow',
    'integer',
    '1000',
    'workflows',
    'Only this many finished runs are kept per workflow (the newest)',
    { requiresCode: 'none' },
  ),
  define(
    'workflows.approval_timeout_seconds',
    'integer',
    '120',
    'workflows',
    'How long a run of a 2FA-protected workflow waits for its code before it is cancelled',
    { requiresCode: 'none' },
  ),
  define(
    'workflows.async_run_start',
    'boolean',
    'false',
    'workflows',
    'Start runs without waiting for the disk (a little faster). After a power cut, runs that were in progress may be missing from history instead of ending as lost; a run’s end and its steps are always saved durably',
    { requiresCode: 'none' },
  ),
  // The LLM router's limits and the content sanitizer's list and cap: each defined with its code.
  ...LLM_SETTING_DEFINITIONS,
  ...CONTENT_SETTING_DEFINITIONS,
  // The shell: off by default; every run needs a code, so it is of no use before 2FA is enrolled.
  ...SHELL_SETTING_DEFINITIONS,
  // Backups: when, how many are kept, and where (the folder needs a code once 2FA is enrolled).
  ...BACKUP_SETTING_DEFINITIONS,
];

/** Keys that are always encrypted at rest, whatever a caller says. */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  ...SETTING_DEFINITIONS.filter((definition) => definition.sensitive).map((definition) => definition.key),
  'auth.totp.pending_secret',
  'discord.bot_token',
]);
