/**
 * Runs the browser sidecar on this node when the settings say so (`runsSidecarHere`): generates its
 * token once (a sensitive setting, so encrypted and covered by key rotation), hands it over in a
 * 0600 file, restarts the process with backoff when it dies, restarts it when a setting it depends
 * on changes, and stops it with SIGTERM on shutdown. Talon started directly under a process
 * manager therefore still has its sidecar.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LogLevel } from '../config/env.ts';
import { errorMessage, TalonError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import {
  SIDECAR_HEALTHY_AFTER_MS,
  SIDECAR_READY_TIMEOUT_MS,
  SIDECAR_RESTART_BACKOFF_MS,
  SIDECAR_STOP_GRACE_MS,
} from './limits.ts';
import type { SidecarEndpoint } from './sidecar-client.ts';
import { launchSidecar, type RunningSidecar, type SidecarLaunch } from './sidecar-process.ts';
import {
  AUTOMATOR_TOKEN_SETTING,
  readAutomationSettings,
  runsSidecarHere,
  SIDECAR_RESTART_KEYS,
  type AutomationSettings,
} from './settings.ts';

/** `external`: a sidecar the owner runs elsewhere; `other_node`: the one web_automator.node runs. */
export type SidecarState = 'off' | 'external' | 'other_node' | 'starting' | 'running' | 'waiting_to_restart';

export interface SidecarStatus {
  state: SidecarState;
  /** Where the core sends requests (the running process's URL, or web_automator.host). */
  url: string | null;
  pid: number | null;
  restarts: number;
  lastError: string | null;
}

export interface SidecarSupervisorOptions {
  settings: SettingsStore;
  logger: Logger;
  nodeName: string;
  /** Talon's DATA_DIR: the sidecar keeps its files in `<DATA_DIR>/automator`. */
  dataDir: string;
  logLevel: LogLevel;
  /** Environment variables added to the sidecar's (tests: a shorter recording limit...). */
  extraEnv?: Record<string, string>;
  launch?: (launch: SidecarLaunch) => Promise<RunningSidecar>;
  backoff?: { first: number; max: number };
  readyTimeoutMs?: number;
  now?: () => number;
}

/** 32 random bytes, as the sidecar's token (it wants ≥ 32 characters without spaces). */
export function generateSidecarToken(): string {
  return randomBytes(32).toString('base64url');
}

function hostForSidecar(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

export class SidecarSupervisor {
  readonly #o: SidecarSupervisorOptions;
  readonly #launch: (launch: SidecarLaunch) => Promise<RunningSidecar>;
  readonly #backoff: { first: number; max: number };
  readonly #now: () => number;
  #running: RunningSidecar | undefined;
  /** The environment the running (or starting) process got: a change of it means a restart. */
  #signature: string | undefined;
  #state: SidecarState = 'off';
  #lastError: string | null = null;
  #restarts = 0;
  #delay: number;
  #restartTimer: NodeJS.Timeout | undefined;
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;
  #unsubscribe: (() => void) | undefined;
  #readyWaiters: (() => void)[] = [];

  constructor(options: SidecarSupervisorOptions) {
    this.#o = options;
    this.#launch = options.launch ?? launchSidecar;
    this.#backoff = options.backoff ?? SIDECAR_RESTART_BACKOFF_MS;
    this.#delay = this.#backoff.first;
    this.#now = options.now ?? Date.now;
  }

  /** Starts the sidecar if this node runs it, and follows the settings from now on. */
  async start(): Promise<void> {
    this.#unsubscribe = this.#o.settings.onChange((change) => {
      if (SIDECAR_RESTART_KEYS.has(change.key)) void this.#reconcile();
    });
    await this.#reconcile();
  }

  /** SIGTERM to a running sidecar (SIGKILL after the grace period); no restart after this. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearTimeout(this.#restartTimer);
    await this.#serial(() => this.#stopProcess());
    this.#wakeWaiters();
  }

  status(): SidecarStatus {
    const current = readAutomationSettings(this.#o.settings);
    const here = runsSidecarHere(current, this.#o.nodeName);
    const elsewhere = current.node !== '' && current.node !== this.#o.nodeName;
    return {
      state: here ? this.#state : !current.enabled ? 'off' : elsewhere ? 'other_node' : 'external',
      url: here ? (this.#running?.url ?? null) : current.enabled && current.host ? current.host.origin : null,
      pid: here ? (this.#running?.pid ?? null) : null,
      restarts: this.#restarts,
      lastError: this.#lastError,
    };
  }

  /**
   * Where requests go now. A sidecar this node starts is waited for (a restart in progress); an
   * external one is the host setting. Throws when automation is off or misconfigured.
   */
  async endpoint(): Promise<SidecarEndpoint> {
    const current = readAutomationSettings(this.#o.settings);
    if (!current.enabled) {
      throw new TalonError(
        'automation_disabled',
        'The browser sidecar is off: turn on web_automator.enabled (Settings → automation)',
        409,
      );
    }
    if (!current.host) {
      throw new TalonError(
        'automation_misconfigured',
        `web_automator.host must be an http(s) URL such as http://127.0.0.1:6900 (got "${current.hostText}")`,
        409,
      );
    }
    if (!runsSidecarHere(current, this.#o.nodeName)) {
      if (current.node !== '' && current.node !== this.#o.nodeName && current.host.protocol === 'http:') {
        throw new TalonError(
          'automation_on_other_node',
          `The browser sidecar runs on node ${current.node}, not on ${this.#o.nodeName}`,
          409,
        );
      }
      return { url: current.host.origin, token: current.token };
    }
    // A start in progress is waited for; a sidecar waiting to be restarted after dying is not.
    if (this.#state === 'starting') await this.#waitForRunning();
    if (!this.#running) {
      throw new TalonError(
        'sidecar_unavailable',
        `The browser sidecar is not running${this.#lastError ? `: ${this.#lastError}` : ''}`,
        503,
      );
    }
    return { url: this.#running.url, token: current.token };
  }

  #waitForRunning(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#o.readyTimeoutMs ?? SIDECAR_READY_TIMEOUT_MS);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#readyWaiters.push(done);
    });
  }

  #wakeWaiters(): void {
    const waiters = this.#readyWaiters.splice(0);
    for (const wake of waiters) wake();
  }

  #serial(work: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #reconcile(): Promise<void> {
    return this.#serial(async () => {
      if (this.#stopped) return;
      const current = readAutomationSettings(this.#o.settings);
      if (!runsSidecarHere(current, this.#o.nodeName)) {
        await this.#stopProcess();
        this.#state = 'off';
        this.#wakeWaiters();
        return;
      }
      if (current.token === '') {
        // The change this write announces reconciles again and finds everything in place.
        await this.#o.settings.set(AUTOMATOR_TOKEN_SETTING, generateSidecarToken(), { sensitive: true });
        this.#o.logger.info('generated the browser sidecar token (web_automator.token)');
        return this.#startWith(readAutomationSettings(this.#o.settings));
      }
      await this.#startWith(current);
    });
  }

  #environment(current: AutomationSettings, tokenFile: string): Record<string, string> {
    const host = current.host!;
    return {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      SIDECAR_TOKEN_FILE: tokenFile,
      SIDECAR_HOST: hostForSidecar(host),
      SIDECAR_PORT: host.port === '' ? '80' : host.port,
      SIDECAR_DATA_DIR: path.join(this.#o.dataDir, 'automator'),
      SIDECAR_MAX_DOWNLOAD_MB: String(current.maxDownloadBytes / 1024 / 1024),
      SIDECAR_MAX_RECIPE_DOWNLOADS_MB: String(current.maxRecipeDownloadBytes / 1024 / 1024),
      SIDECAR_MAX_REPLAYS: String(current.maxReplays),
      // At least `info`: its "sidecar listening" line is how Talon knows it is ready (Talon's own
      // logger, at Talon's level, drops what it would not show).
      LOG_LEVEL: ['trace', 'debug'].includes(this.#o.logLevel) ? this.#o.logLevel : 'info',
      ...this.#o.extraEnv,
    };
  }

  async #startWith(current: AutomationSettings): Promise<void> {
    const runtimeDir = path.join(this.#o.dataDir, 'automator-run');
    const tokenFile = path.join(runtimeDir, 'token');
    const env = this.#environment(current, tokenFile);
    const signature = JSON.stringify({ env, token: current.token });
    if (this.#running && this.#signature === signature) return;
    this.#state = 'starting';
    await this.#stopProcess();
    this.#signature = signature;
    clearTimeout(this.#restartTimer);
    try {
      mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
      writeFileSync(tokenFile, current.token, { mode: 0o600 });
      const started = this.#now();
      const running = await this.#launch({
        env,
        logger: this.#o.logger.child({ component: 'sidecar' }),
        readyTimeoutMs: this.#o.readyTimeoutMs ?? SIDECAR_READY_TIMEOUT_MS,
        stopGraceMs: SIDECAR_STOP_GRACE_MS,
      });
      this.#running = running;
      this.#state = 'running';
      this.#lastError = null;
      this.#o.logger.info({ url: running.url, pid: running.pid }, 'browser sidecar is running');
      void running.exited.then((how) => this.#onExit(running, how, started));
    } catch (error) {
      this.#lastError = errorMessage(error);
      this.#o.logger.error({ reason: this.#lastError }, 'the browser sidecar did not start');
      this.#scheduleRestart();
    } finally {
      // The sidecar read its token at start: the file is not needed while it runs.
      rmSync(tokenFile, { force: true });
      this.#wakeWaiters();
    }
  }

  #onExit(process: RunningSidecar, how: string, startedAt: number): void {
    if (this.#running !== process) return; // stopped on purpose
    this.#running = undefined;
    this.#lastError = `the sidecar ${how}`;
    this.#o.logger.error({ how }, 'the browser sidecar stopped; restarting it');
    if (this.#now() - startedAt >= SIDECAR_HEALTHY_AFTER_MS) this.#delay = this.#backoff.first;
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    if (this.#stopped) return;
    this.#state = 'waiting_to_restart';
    this.#signature = undefined;
    const delay = this.#delay;
    this.#delay = Math.min(this.#backoff.max, this.#delay * 2);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#restarts += 1;
      void this.#reconcile();
    }, delay);
    this.#restartTimer.unref();
  }

  async #stopProcess(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    this.#signature = undefined;
    clearTimeout(this.#restartTimer);
    if (running) {
      await running.stop();
      this.#o.logger.info({ pid: running.pid }, 'browser sidecar stopped');
    }
  }
}
