/**
 * The SkillAPI of `talon-skill run`, built from the host's own pieces so a skill meets the same
 * rules as in Talon: the gate (permission table, grants, calls per run and per second, argument
 * checks, the same `apiCalls` records), and the host functions `log.*` (line caps), `http.fetch`
 * (net allowlist, HTTPS only, private addresses refused, size and time caps) and `config.get`
 * (secret settings refused), and `skills.invoke` (the skills loaded with `--with`). What needs a
 * running Talon is replaced: storage lives in memory for the run (one space per skill), settings
 * are the defaults, secret values come from TALON_SECRET_* variables, the owner's network opt-ins
 * are flags, and `llm`, `telegram`, `shell` and `automation` answer `not_available`.
 */
import { Writable } from 'node:stream';
import type { AuditLog } from '../../core/src/audit/audit-log.ts';
import { createLogger, type Logger } from '../../core/src/logging/logger.ts';
import { SETTING_DEFINITIONS, SENSITIVE_KEYS } from '../../core/src/settings/definitions.ts';
import type { SettingsStore } from '../../core/src/settings/store.ts';
import type { SkillApiFunctionName } from '../../core/src/skills/permission-table.ts';
import { SkillRateLimiter } from '../../core/src/skills/rate-limiter.ts';
import { DEFAULT_RUNTIME_LIMITS } from '../../core/src/skills/runtime-limits.ts';
import { SkillApiError } from '../../core/src/skills/skill-api/api-error.ts';
import { newApiRunState, SkillApiGate } from '../../core/src/skills/skill-api/api-gate.ts';
import { requireArity, requireString } from '../../core/src/skills/skill-api/arguments.ts';
import type { ApiCallContext, HostFunction } from '../../core/src/skills/skill-api/call-context.ts';
import { configGet } from '../../core/src/skills/skill-api/config-read.ts';
import { DEFAULT_HTTP_LIMITS, httpFetch } from '../../core/src/skills/skill-api/http-fetch.ts';
import { logFunction } from '../../core/src/skills/skill-api/log.ts';
import { DEFAULT_NETWORK_POLICY, type NetworkPolicy } from '../../core/src/skills/skill-api/net-policy.ts';
import { skillsInvoke } from '../../core/src/skills/skill-api/skills-invoke.ts';
import type { ApiCallHandler, LocalGrants } from './api-handler.ts';
import type { SkillManifest } from './manifest.ts';
import type { JsonValue } from './skill-api.ts';
import type { RunApiCall } from './testing/types.ts';

/** `weather.api_key` → `TALON_SECRET_WEATHER_API_KEY`: where `talon-skill run` reads a secret handle. */
export function secretEnvironmentName(handle: string): string {
  return `TALON_SECRET_${handle.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export interface LocalApi {
  handler: ApiCallHandler;
  /** The calls of the run so far, exactly as Talon records them. */
  records(): RunApiCall[];
}

/**
 * Settings as a fresh Talon has them: the defaults, the same secret keys. Only the methods the
 * host functions use are provided; the rest of SettingsStore needs PostgreSQL.
 */
function localSettings(environment: Readonly<Record<string, string | undefined>>): SettingsStore {
  const defaults = new Map(SETTING_DEFINITIONS.map((definition) => [definition.key, definition]));
  const typed = (key: string): JsonValue | undefined => {
    const definition = defaults.get(key);
    if (!definition || definition.sensitive) return undefined;
    if (definition.type === 'integer' || definition.type === 'float') return Number(definition.defaultValue);
    if (definition.type === 'boolean') return definition.defaultValue === 'true';
    if (definition.type === 'json') return JSON.parse(definition.defaultValue) as JsonValue;
    return definition.defaultValue;
  };
  const local = {
    isSensitive: (key: string) => SENSITIVE_KEYS.has(key),
    get: typed,
    // Secret handles only: the value Talon would decrypt from its settings.
    getString: (handle: string) => environment[secretEnvironmentName(handle)] ?? '',
  };
  return local as unknown as SettingsStore;
}

/**
 * The host's storage limits (core/src/skills/skill-api/storage.ts, whose PostgreSQL code must not be
 * bundled into the SDK); local-api.test.ts keeps the two equal.
 */
export const LOCAL_STORAGE_LIMITS = {
  maxKeyChars: 200,
  maxValueBytes: 64 * 1024,
  maxTotalBytes: 1024 * 1024,
  maxKeys: 1000,
};

/**
 * `storage.*` kept in memory for one `talon-skill run`, with the host's key and size limits; each
 * skill has its own space, as in Talon.
 */
function memoryStorage(): Record<
  'storage.get' | 'storage.set' | 'storage.delete' | 'storage.list',
  HostFunction
> {
  const spaces = new Map<string, Map<string, JsonValue>>();
  const space = (context: ApiCallContext): Map<string, JsonValue> => {
    let values = spaces.get(context.skill);
    if (!values) spaces.set(context.skill, (values = new Map()));
    return values;
  };
  const limits = LOCAL_STORAGE_LIMITS;
  const key = (fn: string, value: JsonValue | undefined): string =>
    requireString(fn, 'key', value, limits.maxKeyChars);
  return {
    'storage.get': async (context, args) => {
      requireArity('storage.get', args, 1);
      return space(context).get(key('storage.get', args[0])) ?? null;
    },
    'storage.set': async (context, args) => {
      requireArity('storage.set', args, 2);
      const values = space(context);
      const name = key('storage.set', args[0]);
      const value = args[1] ?? null;
      if (Buffer.byteLength(JSON.stringify(value)) > limits.maxValueBytes) {
        throw new SkillApiError(
          'too_large',
          `storage.set: a value may be at most ${limits.maxValueBytes} bytes of JSON`,
        );
      }
      if (!values.has(name) && values.size >= limits.maxKeys) {
        throw new SkillApiError('too_large', `storage.set: at most ${limits.maxKeys} keys`);
      }
      values.set(name, value);
      return null;
    },
    'storage.delete': async (context, args) => {
      requireArity('storage.delete', args, 1);
      return space(context).delete(key('storage.delete', args[0]));
    },
    'storage.list': async (context, args) => {
      requireArity('storage.list', args, 1);
      const prefix =
        args[0] === undefined || args[0] === null
          ? ''
          : requireString('storage.list', 'prefix', args[0], limits.maxKeyChars);
      return [...space(context).keys()].filter((name) => name.startsWith(prefix)).sort();
    },
  };
}

function notAvailable(fn: string): HostFunction {
  return async () => {
    throw new SkillApiError(
      'not_available',
      `${fn} needs a running Talon; script it with the test harness instead`,
    );
  };
}

export interface LocalApiOptions {
  /** The owner's network opt-ins (Talon's settings `skills.http.*`); both off by default. */
  network?: Partial<NetworkPolicy>;
  environment?: Readonly<Record<string, string | undefined>>;
  log?: (line: string) => void;
}

/** Who makes the calls of one run: the skill, what it may use, and how deep in an invoke chain. */
export interface LocalRunContext {
  manifest: SkillManifest;
  grants: LocalGrants;
  depth: number;
  /** Runs another skill for `skills.invoke`; without it the call answers `not_available`. */
  invoke?: ApiCallContext['invoke'];
}

/**
 * The gate and host functions of one `talon-skill run`, shared by every run in it (the skill's
 * own and the nested ones of `skills.invoke`), so the per-second limits count as in Talon.
 */
export class LocalSkillApi {
  readonly #gate: SkillApiGate;
  readonly #logger: Logger;

  constructor(options: LocalApiOptions = {}) {
    const settings = localSettings(options.environment ?? process.env);
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    // The skill's log lines, as Talon's log would carry them, shown on stderr.
    const lines = new Writable({
      write(chunk: Buffer, _encoding, done) {
        const entry = JSON.parse(chunk.toString('utf8')) as {
          level: number;
          msg: string;
          skillFields?: unknown;
        };
        const level =
          ({ 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' } as Record<number, string>)[entry.level] ??
          'info';
        const fields = entry.skillFields ? ` ${JSON.stringify(entry.skillFields)}` : '';
        log(`[skill ${level}] ${entry.msg}${fields}`);
        done();
      },
    });
    this.#logger = createLogger('debug', lines);
    const functions: Record<SkillApiFunctionName, HostFunction> = {
      'log.debug': logFunction('debug'),
      'log.info': logFunction('info'),
      'log.warn': logFunction('warn'),
      'log.error': logFunction('error'),
      'http.fetch': httpFetch(
        settings,
        { ...DEFAULT_NETWORK_POLICY, ...options.network },
        DEFAULT_HTTP_LIMITS,
      ),
      'config.get': configGet(settings),
      ...memoryStorage(),
      'skills.invoke': skillsInvoke,
      'llm.complete': notAvailable('llm.complete'),
      'telegram.send': notAvailable('telegram.send'),
      'shell.exec': notAvailable('shell.exec'),
      'automation.run': notAvailable('automation.run'),
    };
    // No audit log outside Talon: denials are in the run's apiCalls instead.
    const noAudit = { record: async () => undefined } as unknown as AuditLog;
    this.#gate = new SkillApiGate({
      functions,
      audit: noAudit,
      rateLimiter: new SkillRateLimiter(DEFAULT_RUNTIME_LIMITS.apiCallsPerSecond),
      callsPerRun: DEFAULT_RUNTIME_LIMITS.apiCallsPerRun,
    });
  }

  /** The handler one run calls back into, and the records of its calls. */
  forRun(run: LocalRunContext): LocalApi {
    const context: ApiCallContext = {
      skill: run.manifest.name,
      manifest: run.manifest,
      grants: run.grants,
      depth: run.depth,
      runId: 'talon-skill-run',
      logger: this.#logger,
      logLines: 0,
      invoke:
        run.invoke ??
        (() =>
          Promise.reject(
            new SkillApiError('not_available', 'skills.invoke: load the other skills with --with <folder>'),
          )),
    };
    const state = newApiRunState(context);
    return {
      handler: (method, argsJson) => this.#gate.handle(state, method, argsJson),
      records: () => state.records.map((record) => ({ ...record })),
    };
  }
}
