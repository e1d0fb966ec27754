import {
  ApiCallError,
  createApiHandler,
  hostAllowed,
  type ApiCallHandler,
  type LocalGrants,
  type RecordedApiCall,
} from './api-handler.ts';
import type { HttpRequest, JsonValue, LogFields } from './skill-api.ts';

/** Largest response body handed to a skill by `talon-skill run`. */
export const LOCAL_HTTP_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_HTTP_TIMEOUT_MS = 15_000;

/** `weather.api_key` → `TALON_SECRET_WEATHER_API_KEY`: where `talon-skill run` reads a secret handle. */
export function secretEnvironmentName(handle: string): string {
  return `TALON_SECRET_${handle.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function asRequest(value: JsonValue | undefined): HttpRequest {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiCallError('invalid_argument', 'http.fetch: the second argument must be an object');
  }
  return value as unknown as HttpRequest;
}

async function readCapped(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > LOCAL_HTTP_MAX_BODY_BYTES) {
      await reader.cancel();
      throw new ApiCallError(
        'upstream_error',
        `http.fetch: the response is larger than ${LOCAL_HTTP_MAX_BODY_BYTES} bytes`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The SkillAPI of `talon-skill run`: `http` really fetches (only hosts in the grant's `net`, secret
 * handles from TALON_SECRET_* environment variables), `storage` lives in memory for the run, `log`
 * goes to stderr. Functions that need a running Talon (llm, telegram, skills.invoke, config, shell,
 * automation) answer `not_available` with a message saying so.
 */
export function localApiHandler(options: {
  grants: LocalGrants;
  calls: RecordedApiCall[];
  environment?: Readonly<Record<string, string | undefined>>;
  log?: (line: string) => void;
}): ApiCallHandler {
  const environment = options.environment ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const storage = new Map<string, JsonValue>();
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
      'http.fetch': async (urlValue, requestValue) => {
        if (typeof urlValue !== 'string')
          throw new ApiCallError('invalid_argument', 'http.fetch: the URL must be a string');
        let url: URL;
        try {
          url = new URL(urlValue);
        } catch {
          throw new ApiCallError('invalid_argument', `http.fetch: "${urlValue}" is not a URL`);
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') {
          throw new ApiCallError(
            'invalid_argument',
            `http.fetch: only http and https URLs (got ${url.protocol})`,
          );
        }
        if (!hostAllowed(url.host.toLowerCase(), options.grants.net)) {
          throw new ApiCallError(
            'host_not_allowed',
            `http.fetch: ${url.host} is not in the skill's granted net list`,
          );
        }
        const request = asRequest(requestValue);
        const headers = new Headers(request.headers ?? {});
        if (request.secret) {
          if (
            !options.grants.permissions.includes('secrets') ||
            !options.grants.secrets.includes(request.secret.handle)
          ) {
            throw new ApiCallError(
              'secret_not_granted',
              `http.fetch: the secret "${request.secret.handle}" is not granted to this skill`,
            );
          }
          const value = environment[secretEnvironmentName(request.secret.handle)];
          if (value === undefined) {
            throw new ApiCallError(
              'secret_missing',
              `http.fetch: set ${secretEnvironmentName(request.secret.handle)} to give "${request.secret.handle}" a value for this local run`,
            );
          }
          headers.set(request.secret.header, `${request.secret.prefix ?? ''}${value}`);
        }
        let body: string | undefined;
        if (typeof request.body === 'string') body = request.body;
        else if (request.body !== undefined) {
          body = JSON.stringify(request.body);
          if (!headers.has('content-type')) headers.set('content-type', 'application/json');
        }
        let response: Response;
        try {
          response = await fetch(url, {
            method: request.method ?? 'GET',
            headers,
            ...(body === undefined ? {} : { body }),
            redirect: 'manual',
            signal: AbortSignal.timeout(request.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS),
          });
        } catch (error) {
          const timedOut = error instanceof Error && error.name === 'TimeoutError';
          throw new ApiCallError(
            timedOut ? 'timeout' : 'upstream_error',
            `http.fetch ${url.host}: ${timedOut ? 'timed out' : error instanceof Error ? error.message : String(error)}`,
          );
        }
        return {
          status: response.status,
          headers: Object.fromEntries(response.headers),
          body: await readCapped(response),
        };
      },
      'config.get': unavailable('config.get'),
      'skills.invoke': unavailable('skills.invoke'),
      'llm.complete': unavailable('llm.complete'),
      'telegram.send': unavailable('telegram.send'),
      'shell.exec': unavailable('shell.exec'),
      'automation.run': unavailable('automation.run'),
    },
  });
}
