/**
 * Talon's own skill runtime, set up for a run on the author's machine (`talon-skill run`, the test
 * harness): the same sandbox, gate, limits and host-function table as in Talon, with memory in
 * place of PostgreSQL, no Talon settings, secret values from `TALON_SECRET_*` variables, the
 * owner's network opt-ins as flags, `llm.complete` from the model the environment names
 * (TALON_LLM_BASE_URL / TALON_LLM_MODEL / TALON_LLM_API_KEY, local-llm.ts), and the other outside
 * services (`telegram`, `shell`, `automation`) answering `not_available` unless a test scripts them.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { ApiGateOptions } from '@talon/skill-runtime/api/api-gate.ts';
import type { OutsideServiceName } from '@talon/skill-runtime/api/outside-services.ts';
import { MemoryStorage } from '@talon/skill-runtime/api/memory-storage.ts';
import { DEFAULT_NETWORK_POLICY, type NetworkPolicy } from '@talon/skill-runtime/api/net-policy.ts';
import { NO_AUDIT, type Logger, type SettingsReader } from '@talon/skill-runtime/ports.ts';
import { SandboxSkillRuntime } from '@talon/skill-runtime/runtime/sandbox-skill-runtime.ts';
import { localLlmFromEnvironment } from './local-llm.ts';

/** `weather.api_key` → `TALON_SECRET_WEATHER_API_KEY`: where a local run reads a secret handle. */
export function secretEnvironmentName(handle: string): string {
  return `TALON_SECRET_${handle.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export interface LocalRuntimeOptions {
  /** The owner's network opt-ins (Talon's settings `skills.http.*`); both off by default. */
  network?: Partial<NetworkPolicy>;
  environment?: Readonly<Record<string, string | undefined>>;
  /** Where the skill's own log lines go, one formatted line each (default: stderr). */
  log?: (line: string) => void;
  /** What a missing outside service answers. */
  unavailable?: (fn: OutsideServiceName) => string;
  /** Added to `skill_not_found` when `skills.invoke` names a skill that is not loaded. */
  notLoadedHint?: string;
  /** The test harness's scripted answers and its record of calls. */
  override?: ApiGateOptions['override'];
  observe?: ApiGateOptions['observe'];
  storage?: MemoryStorage;
}

/** A local run has no Talon settings: every key reads as unset (secret-looking keys stay refused). */
const NO_SETTINGS: SettingsReader = { get: () => undefined, isSensitive: () => false };

const LEVEL_NAMES: Record<number, string> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' };

/** A pino logger that prints the skill's lines as `[skill info] message {fields}`. */
function skillLineLogger(log: (line: string) => void): Logger {
  const lines = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const entry = JSON.parse(chunk.toString('utf8')) as {
        level: number;
        msg: string;
        skillFields?: unknown;
      };
      const fields = entry.skillFields ? ` ${JSON.stringify(entry.skillFields)}` : '';
      log(`[skill ${LEVEL_NAMES[entry.level] ?? 'info'}] ${entry.msg}${fields}`);
      done();
    },
  });
  return pino({ level: 'debug' }, lines);
}

export function createLocalRuntime(options: LocalRuntimeOptions = {}): SandboxSkillRuntime {
  const environment = options.environment ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const llm = localLlmFromEnvironment(environment);
  return new SandboxSkillRuntime({
    settings: NO_SETTINGS,
    secrets: (handle) => environment[secretEnvironmentName(handle)] ?? '',
    storage: options.storage ?? new MemoryStorage(),
    audit: NO_AUDIT,
    logger: pino({ level: 'silent' }),
    skillLogger: skillLineLogger(log),
    network: { ...DEFAULT_NETWORK_POLICY, ...options.network },
    sandbox: { spareWorkers: 0 },
    ...(llm ? { services: { llm } } : {}),
    unavailable:
      options.unavailable ?? ((fn) => `${fn} needs a running Talon; script it with the test harness instead`),
    notLoadedHint: options.notLoadedHint ?? ': add its folder with --with <folder>',
    ...(options.override ? { override: options.override } : {}),
    ...(options.observe ? { observe: options.observe } : {}),
  });
}
