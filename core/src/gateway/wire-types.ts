/** What the admin API says about the Telegram gateway (`/api/telegram`), shared with the admin UI. */

export type GatewayStateName =
  | 'stopped'
  | 'disabled'
  | 'not_configured'
  | 'invalid_mode'
  | 'connecting'
  | 'unreachable'
  | 'bad_token'
  | 'connected';

export interface TelegramStatusView {
  state: GatewayStateName;
  mode: string;
  /** The node that answered. */
  node: string;
  bot: { id: number; username: string } | null;
  /** The one chat Talon obeys; '' obeys nobody. */
  chatId: string;
  /** The node that polls (or, in webhook mode, delivers announcements); null when none does. */
  activeNode: string | null;
  lastUpdateAt: string | null;
  lastError: string | null;
  webhookUrl: string | null;
  apiRoot: string;
  publicUrl: string;
  approveAdminStepUps: boolean;
  /** The workflow that answers messages that are not commands ('' when none does). */
  freeTextWorkflow: string;
  /** Whether a change needs a 2FA code now (the settings' own rule: once 2FA is enrolled). */
  codeNeeded: { connection: boolean; preferences: boolean };
  /** The chats that wrote and were refused, newest first: how the owner finds their own id. */
  refusedChats: { chatId: string; chatType: string; count: number; lastAt: string }[];
  announcements: { kind: string; description: string; enabled: boolean }[];
  /** Updates dropped without a handler since the node started, by kind. */
  dropped: Record<string, number>;
}

/** `PUT /api/telegram/connection`: any of these, with a 2FA code. An empty token keeps the stored one. */
export interface TelegramConnectionChange {
  botToken?: string;
  chatId?: string;
  mode?: 'polling' | 'webhook';
  apiRoot?: string;
  totpCode?: string;
}

/** `PUT /api/telegram/preferences`: switches need no code; turning approvals on or moving the public URL does. */
export interface TelegramPreferencesChange {
  announcements?: Record<string, boolean>;
  approveAdminStepUps?: boolean;
  publicUrl?: string;
  /** A workflow's name or id ('' for none); it must name exactly one workflow. */
  freeTextWorkflow?: string;
  totpCode?: string;
}
