import type { SettingsStore } from '../settings/store.ts';

export type GatewayMode = 'polling' | 'webhook';

/** What the gateway reads from the settings, once per (re)start. */
export interface GatewaySettings {
  enabled: boolean;
  token: string;
  /** The only chat obeyed; empty obeys nobody. */
  chatId: string;
  mode: GatewayMode | 'invalid';
  apiRoot: string;
  /** Pause after a failed call before trying again (milliseconds); the backoff starts here. */
  pollIntervalMs: number;
  publicUrl: string;
  webhookSecret: string;
  freeTextWorkflow: string;
  approveAdminStepUps: boolean;
}

export const DEFAULT_API_ROOT = 'https://api.telegram.org';

/** A change to one of these restarts the gateway (a new bot, a new owner or a new transport). */
export const RESTART_KEYS: ReadonlySet<string> = new Set([
  'telegram.enabled',
  'telegram.bot_token',
  'telegram.chat_id',
  'telegram.mode',
  'telegram.api_root',
  'telegram.webhook_secret',
  'server.public_url',
]);

/** Changing these changes who Talon obeys or where its commands come from: they need a 2FA code. */
export const CONNECTION_KEYS: readonly string[] = [
  'telegram.bot_token',
  'telegram.chat_id',
  'telegram.mode',
  'telegram.api_root',
];

export function readGatewaySettings(settings: SettingsStore): GatewaySettings {
  const mode = settings.getString('telegram.mode', 'polling').trim() || 'polling';
  return {
    enabled: settings.getBoolean('telegram.enabled', true),
    token: settings.getString('telegram.bot_token').trim(),
    chatId: settings.getString('telegram.chat_id').trim(),
    mode: mode === 'polling' || mode === 'webhook' ? mode : 'invalid',
    apiRoot: settings.getString('telegram.api_root').trim().replace(/\/+$/, '') || DEFAULT_API_ROOT,
    pollIntervalMs: Math.max(100, settings.getInteger('telegram.poll_interval', 1000)),
    publicUrl: settings.getString('server.public_url').trim().replace(/\/+$/, ''),
    webhookSecret: settings.getString('telegram.webhook_secret'),
    freeTextWorkflow: settings.getString('telegram.free_text_workflow').trim(),
    approveAdminStepUps: settings.getBoolean('telegram.approve_admin_step_ups', false),
  };
}

/** Configured: on, and a token to talk with. (A missing chat id still runs the bot: it obeys nobody.) */
export function isConfigured(settings: GatewaySettings): boolean {
  return settings.enabled && settings.token !== '';
}
