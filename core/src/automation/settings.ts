/**
 * The browser sidecar's settings (`web_automator.*`), defined here and listed in
 * settings/definitions.ts, and how they are read each time they are used.
 */
import type { SettingDefinition } from '../settings/definitions.ts';
import type { SettingsStore } from '../settings/store.ts';
import { MAX_DOWNLOAD_MB, MAX_RECIPE_DOWNLOADS_MB, MAX_REPLAYS, REPLAY_TIMEOUT_SECONDS } from './limits.ts';

export const AUTOMATOR_ENABLED_SETTING = 'web_automator.enabled';
export const AUTOMATOR_HOST_SETTING = 'web_automator.host';
export const AUTOMATOR_NODE_SETTING = 'web_automator.node';
export const AUTOMATOR_TOKEN_SETTING = 'web_automator.token';
const REPLAY_TIMEOUT_SETTING = 'web_automator.replay_timeout_seconds';
const MAX_DOWNLOAD_SETTING = 'web_automator.max_download_mb';
const MAX_RECIPE_DOWNLOADS_SETTING = 'web_automator.max_recipe_downloads_mb';
const MAX_REPLAYS_SETTING = 'web_automator.max_replays';

export const DEFAULT_AUTOMATOR_HOST = 'http://127.0.0.1:6900';

function define(
  key: string,
  type: SettingDefinition['type'],
  defaultValue: string,
  description: string,
  sensitive = false,
): SettingDefinition {
  // Each says where browser commands go or what they may leave on disk: a code once 2FA is enrolled.
  return {
    key,
    type,
    defaultValue,
    category: 'automation',
    sensitive,
    description,
    requiresCode: 'once_enrolled',
  };
}

export const AUTOMATION_SETTING_DEFINITIONS: readonly SettingDefinition[] = [
  define(
    AUTOMATOR_ENABLED_SETTING,
    'boolean',
    'false',
    'Use the browser sidecar (record and replay browser tasks)',
  ),
  define(
    AUTOMATOR_HOST_SETTING,
    'string',
    DEFAULT_AUTOMATOR_HOST,
    'Browser sidecar address: on loopback over http Talon starts it itself; any other address is a sidecar you run (behind TLS)',
  ),
  define(
    AUTOMATOR_NODE_SETTING,
    'string',
    '',
    'With several nodes: the node (TALON_NODE_NAME) whose sidecar runs automation; empty: every node starts its own',
  ),
  define(
    AUTOMATOR_TOKEN_SETTING,
    'string',
    '',
    'The token every request to the sidecar carries (generated when empty; set it to the token of a sidecar you run elsewhere)',
    true,
  ),
  define(
    REPLAY_TIMEOUT_SETTING,
    'integer',
    String(REPLAY_TIMEOUT_SECONDS.default),
    `Seconds one replay may take (${REPLAY_TIMEOUT_SECONDS.min}–${REPLAY_TIMEOUT_SECONDS.max}); each step also has its own timeout`,
  ),
  define(
    MAX_DOWNLOAD_SETTING,
    'integer',
    String(MAX_DOWNLOAD_MB.default),
    `Megabytes one downloaded file may have (${MAX_DOWNLOAD_MB.min}–${MAX_DOWNLOAD_MB.max})`,
  ),
  define(
    MAX_RECIPE_DOWNLOADS_SETTING,
    'integer',
    String(MAX_RECIPE_DOWNLOADS_MB.default),
    `Megabytes of files kept for one recipe; the oldest replays' files go first (${MAX_RECIPE_DOWNLOADS_MB.min}–${MAX_RECIPE_DOWNLOADS_MB.max})`,
  ),
  define(
    MAX_REPLAYS_SETTING,
    'integer',
    String(MAX_REPLAYS.default),
    `Replays at once per sidecar (${MAX_REPLAYS.min}–${MAX_REPLAYS.max}); one more is refused, not queued`,
  ),
];

/** Keys whose change restarts a sidecar this node runs. */
export const SIDECAR_RESTART_KEYS: ReadonlySet<string> = new Set([
  AUTOMATOR_ENABLED_SETTING,
  AUTOMATOR_HOST_SETTING,
  AUTOMATOR_NODE_SETTING,
  AUTOMATOR_TOKEN_SETTING,
  MAX_DOWNLOAD_SETTING,
  MAX_RECIPE_DOWNLOADS_SETTING,
  MAX_REPLAYS_SETTING,
]);

export interface AutomationSettings {
  enabled: boolean;
  /** The sidecar's base URL, without a trailing slash; undefined when the setting is not an http(s) URL. */
  host: URL | undefined;
  /** The host setting as written, for messages. */
  hostText: string;
  /** The node whose sidecar runs automation; empty: any node, each with its own. */
  node: string;
  token: string;
  replayTimeoutMs: number;
  maxDownloadBytes: number;
  maxRecipeDownloadBytes: number;
  maxReplays: number;
}

function clamp(value: number, bounds: { default: number; min: number; max: number }): number {
  if (!Number.isInteger(value)) return bounds.default;
  return Math.min(bounds.max, Math.max(bounds.min, value));
}

function parseHost(text: string): URL | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    if (url.username || url.password || url.search || url.hash) return undefined;
    if (url.pathname !== '/' && url.pathname !== '') return undefined;
    return url;
  } catch {
    return undefined;
  }
}

const MB = 1024 * 1024;

/** The live settings; `enabled` only for exactly `true`. */
export function readAutomationSettings(settings: SettingsStore): AutomationSettings {
  const hostText = settings.getString(AUTOMATOR_HOST_SETTING, DEFAULT_AUTOMATOR_HOST).trim();
  return {
    enabled: settings.getBoolean(AUTOMATOR_ENABLED_SETTING, false),
    host: parseHost(hostText),
    hostText,
    node: settings.getString(AUTOMATOR_NODE_SETTING, '').trim(),
    token: settings.getString(AUTOMATOR_TOKEN_SETTING, ''),
    replayTimeoutMs:
      clamp(
        settings.getInteger(REPLAY_TIMEOUT_SETTING, REPLAY_TIMEOUT_SECONDS.default),
        REPLAY_TIMEOUT_SECONDS,
      ) * 1000,
    maxDownloadBytes:
      clamp(settings.getInteger(MAX_DOWNLOAD_SETTING, MAX_DOWNLOAD_MB.default), MAX_DOWNLOAD_MB) * MB,
    maxRecipeDownloadBytes:
      clamp(
        settings.getInteger(MAX_RECIPE_DOWNLOADS_SETTING, MAX_RECIPE_DOWNLOADS_MB.default),
        MAX_RECIPE_DOWNLOADS_MB,
      ) * MB,
    maxReplays: clamp(settings.getInteger(MAX_REPLAYS_SETTING, MAX_REPLAYS.default), MAX_REPLAYS),
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether this node starts the sidecar itself: enabled, an http URL on loopback (anything else is
 * a sidecar the owner runs, behind TLS), and no other node named to run it.
 */
export function runsSidecarHere(current: AutomationSettings, nodeName: string): boolean {
  if (!current.enabled || current.host === undefined) return false;
  if (current.host.protocol !== 'http:' || !LOOPBACK_HOSTS.has(current.host.hostname)) return false;
  return current.node === '' || current.node === nodeName;
}
