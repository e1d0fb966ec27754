import { createLogger } from '../../core/src/logging/logger.ts';
import type { SettingsStore } from '../../core/src/settings/store.ts';
import type { ApiCallContext } from '../../core/src/skills/skill-api/call-context.ts';
import { DEFAULT_HTTP_LIMITS, httpFetch } from '../../core/src/skills/skill-api/http-fetch.ts';
import { DEFAULT_NETWORK_POLICY } from '../../core/src/skills/skill-api/net-policy.ts';
import {
  ApiCallError,
  createApiHandler,
  type ApiCallHandler,
  type LocalGrants,
  type RecordedApiCall,
} from './api-handler.ts';
import type { SkillManifest } from './manifest.ts';
import type { JsonValue, LogFields } from './skill-api.ts';

/** `weather.api_key` → `TALON_SECRET_WEATHER_API_KEY`: where `talon-skill run` reads a secret handle. */
export function secretEnvironmentName(handle: string): string {
  return `TALON_SECRET_${handle.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * The SkillAPI of `talon-skill run`: `http` really fetches (only hosts in the grant's `net`, secret
 * handles from TALON_SECRET_* environment variables), `storage` lives in memory for the run, `log`
 * goes to stderr. Functions that need a running Talon (llm, telegram, skills.invoke, config, shell,
 * automation) answer `not_available` with a message saying so.
 */
export function localApiHandler(options: {
  manifest: SkillManifest;
  grants: LocalGrants;
  calls: RecordedApiCall[];
  environment?: Readonly<Record<string, string | undefined>>;
  log?: (line: string) => void;
}): ApiCallHandler {
  const environment = options.environment ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const storage = new Map<string, JsonValue>();
  // Secret handles resolve to TALON_SECRET_* variables where Talon would read its encrypted settings.
  const secretValues = {
    getString: (handle: string) => environment[secretEnvironmentName(handle)] ?? '',
  } as unknown as SettingsStore;
  const hostHttpFetch = httpFetch(secretValues, DEFAULT_NETWORK_POLICY, DEFAULT_HTTP_LIMITS);
  const logger = createLogger('silent');
  const callContext = (): ApiCallContext => ({
    skill: options.manifest.name,
    manifest: options.manifest,
    grants: options.grants,
    depth: 0,
    runId: 'talon-skill-run',
    logger,
    logLines: 0,
    invoke: () => Promise.reject(new ApiCallError('not_available', 'skills.invoke needs a running Talon')),
  });
  const logAt =
    (level: string) =>
    (message: JsonValue | undefined, fields: JsonValue | undefined): null => {
      log(`[skill ${level}] ${String(message)}${fields ? ` ${JSON.stringify(fields as LogFields)}` : ''}`);
      return null;
    };
  const key = (value: JsonValue | undefined): string => {
    if (typeof value !== 'string' || value === '')
      throw new ApiCallError('invalid_argument', 'storage keys are non-empty strings');
    return value;
  };
  const unavailable = (method: string) => () => {
    throw new ApiCallError(
      'not_available',
      `${method} needs a running Talon; script it with the test harness instead`,
    );
  };
  return createApiHandler({
    grants: options.grants,
    calls: options.calls,
    implementation: {
      'log.debug': logAt('debug'),
      'log.info': logAt('info'),
      'log.warn': logAt('warn'),
      'log.error': logAt('error'),
      'storage.get': (name) => storage.get(key(name)) ?? null,
      'storage.set': (name, value) => {
        storage.set(key(name), value ?? null);
        return null;
      },
      'storage.delete': (name) => storage.delete(key(name)),
      'storage.list': (prefix) =>
        [...storage.keys()].filter((name) => typeof prefix !== 'string' || name.startsWith(prefix)).sort(),
      // The host's own implementation: the same net allowlist, private-address refusal, header rules,
      // redirects and size limits as in Talon. Only the secret values come from the environment.
      'http.fetch': (...args) => hostHttpFetch(callContext(), args),
      'config.get': unavailable('config.get'),
      'skills.invoke': unavailable('skills.invoke'),
      'llm.complete': unavailable('llm.complete'),
      'telegram.send': unavailable('telegram.send'),
      'shell.exec': unavailable('shell.exec'),
      'automation.run': unavailable('automation.run'),
    },
  });
}
