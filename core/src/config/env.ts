import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

export type NodeEnv = 'production' | 'development' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything Talon reads from the environment, read once at start and passed in from there. */
export interface TalonConfig {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  dataDir: string;
  /** Set when the owner runs Talon on their own PostgreSQL; otherwise an embedded one is started. */
  databaseUrl: string | undefined;
  /** Undefined means "not given": development generates one into the data folder, production refuses. */
  secretKeyBase: string | undefined;
  adminPassword: string | undefined;
  logLevel: LogLevel;
  skillsDir: string;
  totpIssuer: string;
  /** This node's name among several Talon nodes on one database (workflow pinning, run history). */
  nodeName: string;
  /** Values that seed settings on first boot only (never overwrite later edits). */
  seeds: Readonly<Record<string, string>>;
  /**
   * The browser sidecar's own variables that are about this machine (SIDECAR_PASSED_ON), handed to a
   * sidecar Talon starts; the sidecar checks them and refuses a malformed one by name.
   */
  sidecarEnv: Readonly<Record<string, string>>;
}

/** What a machine may need to tell the sidecar Talon starts (sidecar-automator/README.md). */
export const SIDECAR_PASSED_ON: readonly string[] = [
  'SIDECAR_CHROMIUM_PATH',
  'SIDECAR_BROWSER_ISOLATION',
  'SIDECAR_BROWSER_USER',
  'SIDECAR_DISPLAY_SIZE',
  'SIDECAR_MAX_RECORDING_MINUTES',
  'SIDECAR_BROWSER_IDLE_SECONDS',
];

export const MIN_SECRET_KEY_BASE_BYTES = 32;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const NODE_ENVS: readonly NodeEnv[] = ['production', 'development', 'test'];

/** Environment variable → setting key it seeds on first boot. */
export const SETTING_SEEDS_FROM_ENV: Readonly<Record<string, string>> = {
  TELEGRAM_BOT_TOKEN: 'telegram.bot_token',
  TELEGRAM_CHAT_ID: 'telegram.chat_id',
  TELEGRAM_API_ROOT: 'telegram.api_root',
  GEMINI_API_KEY: 'llm.gemini_api_key',
  ANTHROPIC_API_KEY: 'llm.anthropic_api_key',
  OPENAI_API_KEY: 'llm.openai_api_key',
  // Not settings: the OpenAI-compatible provider seeded on first boot takes them (llm/provider-seeds.ts).
  OPENAI_BASE_URL: 'llm.openai_base_url',
  OPENAI_MODEL: 'llm.openai_model',
  GITHUB_TOKEN: 'github.token',
  GITHUB_WEBHOOK_SECRET: 'github.webhook_secret',
  GOOGLE_OAUTH_CLIENT_ID: 'google.oauth.client_id',
  GOOGLE_OAUTH_CLIENT_SECRET: 'google.oauth.client_secret',
  GOOGLE_OAUTH_REFRESH_TOKEN: 'google.oauth.refresh_token',
  WEB_AUTOMATOR_ENABLED: 'web_automator.enabled',
  WEB_AUTOMATOR_HOST: 'web_automator.host',
};

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = nonEmpty(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

function parsePort(env: Env, name: string, fallback: number): number {
  const value = nonEmpty(env, name);
  if (value === undefined) return fallback;
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} must be a port number between 0 and 65535 (got "${value}")`);
  }
  return port;
}

function parseHost(env: Env, name: string, fallback: string): string {
  const value = nonEmpty(env, name);
  if (value === undefined) return fallback;
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(value)) {
    throw new ConfigError(`${name} must be a host name or IP address (got "${value}")`);
  }
  return value;
}

function parseDatabaseUrl(env: Env, name: string): string | undefined {
  const value = nonEmpty(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `${name} is not a valid URL (expected postgres://user:password@host:port/database)`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`${name} must start with postgres:// or postgresql:// (got "${url.protocol}//")`);
  }
  return value;
}

function parseSecretKeyBase(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_KEY_BASE_BYTES) {
    throw new ConfigError(
      `${name} is too short: it must be at least ${MIN_SECRET_KEY_BASE_BYTES} bytes (generate one with: openssl rand -base64 48)`,
    );
  }
  return value;
}

/**
 * Reads and validates the environment once. Every failure is a ConfigError whose message names the
 * variable and says what is wrong, so the process can print it as one line and exit.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): TalonConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', NODE_ENVS, 'development');
  const dataDir = path.resolve(cwd, nonEmpty(env, 'DATA_DIR') ?? 'data');
  const seeds: Record<string, string> = {};
  for (const [variable, key] of Object.entries(SETTING_SEEDS_FROM_ENV)) {
    const value = nonEmpty(env, variable);
    if (value !== undefined) seeds[key] = value;
  }
  const sidecarEnv: Record<string, string> = {};
  for (const variable of SIDECAR_PASSED_ON) {
    const value = nonEmpty(env, variable);
    if (value !== undefined) sidecarEnv[variable] = value;
  }
  return {
    nodeEnv,
    host: parseHost(env, 'HOST', '127.0.0.1'),
    port: parsePort(env, 'PORT', 5001),
    dataDir,
    databaseUrl: parseDatabaseUrl(env, 'DATABASE_URL'),
    secretKeyBase: parseSecretKeyBase(env, 'SECRET_KEY_BASE'),
    adminPassword: env['ADMIN_PASSWORD'] === '' ? undefined : env['ADMIN_PASSWORD'],
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    skillsDir: path.resolve(cwd, nonEmpty(env, 'SKILLS_DIR') ?? path.join(dataDir, 'skills')),
    totpIssuer: nonEmpty(env, 'TOTP_ISSUER') ?? 'Talon',
    nodeName: nonEmpty(env, 'TALON_NODE_NAME') ?? os.hostname(),
    seeds,
    sidecarEnv,
  };
}
