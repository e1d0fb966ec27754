import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isIP } from 'node:net';
import { ConfigError, errorMessage } from './errors.ts';
import { DEFAULT_LIMITS, FIXED_LIMITS, type SidecarLimits } from './limits.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `bwrap`: Chromium runs inside bubblewrap namespaces (and as an unprivileged user when started as root). */
export type BrowserIsolation = 'bwrap' | 'none';

/** Everything the sidecar reads from its environment, once, at start. */
export interface SidecarConfig {
  host: string;
  port: number;
  /** The shared bearer token every request must carry. Never logged, never passed to a child process. */
  token: string;
  /** Downloads, screenshots and recordings live here. */
  dataDir: string;
  tls: { certFile: string; keyFile: string } | undefined;
  chromiumPath: string;
  isolation: BrowserIsolation;
  /** The account Chromium runs as when the sidecar runs as root (a name or `uid:gid`). */
  browserUser: string;
  /** The virtual display of a recording, which is also the live view's size. */
  display: { width: number; height: number };
  limits: SidecarLimits;
  logLevel: LogLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const ISOLATIONS: readonly BrowserIsolation[] = ['bwrap', 'none'];

function given(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = given(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = given(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return parsed;
}

function readToken(env: Env): string {
  const inline = given(env, 'SIDECAR_TOKEN');
  const file = given(env, 'SIDECAR_TOKEN_FILE');
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError('Set SIDECAR_TOKEN or SIDECAR_TOKEN_FILE, not both');
  }
  let token = inline;
  if (file !== undefined) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) {
        throw new ConfigError(`SIDECAR_TOKEN_FILE ${file} is readable by other users; chmod 600 it`);
      }
      token = readFileSync(file, 'utf8').trim();
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`SIDECAR_TOKEN_FILE ${file} cannot be read: ${errorMessage(error)}`);
    }
  }
  if (token === undefined) {
    throw new ConfigError('SIDECAR_TOKEN or SIDECAR_TOKEN_FILE is required (the token the core sends)');
  }
  if (token.length < FIXED_LIMITS.minTokenChars || /\s/.test(token)) {
    throw new ConfigError(
      `The sidecar token must be at least ${FIXED_LIMITS.minTokenChars} characters without spaces`,
    );
  }
  return token;
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function readDisplaySize(env: Env): { width: number; height: number } {
  const value = given(env, 'SIDECAR_DISPLAY_SIZE') ?? '1280x800';
  const match = /^(\d{3,4})x(\d{3,4})$/.exec(value);
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || width < 640 || height < 480 || width > 3840 || height > 2160) {
    throw new ConfigError(
      `SIDECAR_DISPLAY_SIZE must be WIDTHxHEIGHT from 640x480 to 3840x2160 (got "${value}")`,
    );
  }
  return { width, height };
}

/** Reads and checks the environment; a malformed value stops the sidecar with one line naming it. */
export function readSidecarConfig(env: Env, cwd = process.cwd()): SidecarConfig {
  const host = given(env, 'SIDECAR_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) {
    throw new ConfigError(`SIDECAR_HOST must be a host name or IP address (got "${host}")`);
  }
  const certFile = given(env, 'SIDECAR_TLS_CERT_FILE');
  const keyFile = given(env, 'SIDECAR_TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError('SIDECAR_TLS_CERT_FILE and SIDECAR_TLS_KEY_FILE go together');
  }
  const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined;
  if (!isLoopbackHost(host) && tls === undefined) {
    throw new ConfigError(
      `SIDECAR_HOST ${host} is not loopback: set SIDECAR_TLS_CERT_FILE and SIDECAR_TLS_KEY_FILE (the token must not cross a network in clear)`,
    );
  }
  const mb = 1024 * 1024;
  return {
    host,
    port: integer(env, 'SIDECAR_PORT', 6900, 0, 65535),
    token: readToken(env),
    dataDir: path.resolve(cwd, given(env, 'SIDECAR_DATA_DIR') ?? 'data/automator'),
    tls,
    chromiumPath: given(env, 'SIDECAR_CHROMIUM_PATH') ?? '/usr/bin/chromium',
    isolation: oneOf(env, 'SIDECAR_BROWSER_ISOLATION', ISOLATIONS, 'bwrap'),
    browserUser: given(env, 'SIDECAR_BROWSER_USER') ?? 'nobody',
    display: readDisplaySize(env),
    limits: {
      maxDownloadBytes:
        integer(env, 'SIDECAR_MAX_DOWNLOAD_MB', DEFAULT_LIMITS.maxDownloadBytes / mb, 1, 100_000) * mb,
      maxRecipeDownloadBytes:
        integer(
          env,
          'SIDECAR_MAX_RECIPE_DOWNLOADS_MB',
          DEFAULT_LIMITS.maxRecipeDownloadBytes / mb,
          1,
          1_000_000,
        ) * mb,
      maxConcurrentReplays: integer(env, 'SIDECAR_MAX_REPLAYS', DEFAULT_LIMITS.maxConcurrentReplays, 1, 16),
      maxRecordingMs:
        integer(env, 'SIDECAR_MAX_RECORDING_MINUTES', DEFAULT_LIMITS.maxRecordingMs / 60_000, 1, 24 * 60) *
        60_000,
      browserIdleMs:
        integer(env, 'SIDECAR_BROWSER_IDLE_SECONDS', DEFAULT_LIMITS.browserIdleMs / 1000, 0, 86_400) * 1000,
      maxReplayMs: DEFAULT_LIMITS.maxReplayMs,
    },
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}
