import {
  ApiCallError,
  createApiHandler,
  type ApiCallHandler,
  type ApiFunctionImplementation,
  type LocalGrants,
  type RecordedApiCall,
} from '../api-handler.ts';
import type { JsonValue, SkillApiFunction } from '../skill-api.ts';

/**
 * A SkillAPI whose answers a test scripts and whose calls it asserts on. Grants are enforced as in
 * Talon: a call without the permission gets `permission_denied` and never reaches the script.
 * `log.*` and `storage.*` work out of the box (storage in memory); anything else answers
 * `not_scripted` until the test says what it should return.
 */
export class FakeSkillApi {
  /** Every call the skill made, in order. */
  readonly calls: RecordedApiCall[] = [];
  /** The in-memory `storage` of the skill; tests may seed or inspect it. */
  readonly storage = new Map<string, JsonValue>();
  readonly #scripts = new Map<SkillApiFunction, ApiFunctionImplementation>();

  /** Answers `method` with `fn(...args)` from now on (return a value, or throw `fail(code, message)`). */
  handle(method: SkillApiFunction, fn: (...args: JsonValue[]) => unknown): this {
    this.#scripts.set(method, fn);
    return this;
  }

  /** Answers `method` with `value` from now on. */
  respond(method: SkillApiFunction, value: JsonValue): this {
    return this.handle(method, () => value);
  }

  /** The calls of one function, e.g. `api.callsOf('http.fetch')`. */
  callsOf(method: SkillApiFunction): RecordedApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The handler the sandbox calls back into for one run under these grants. */
  handler(grants: LocalGrants): ApiCallHandler {
    const scripted =
      (method: SkillApiFunction): ApiFunctionImplementation =>
      (...args: JsonValue[]) => {
        const script = this.#scripts.get(method);
        if (script) return script(...args);
        throw new ApiCallError(
          'not_scripted',
          `the test scripted no answer for ${method}: use api.respond("${method}", value)`,
        );
      };
    const storageKey = (key: JsonValue | undefined): string => {
      if (typeof key !== 'string' || key === '')
        throw new ApiCallError('invalid_argument', 'storage keys are non-empty strings');
      return key;
    };
    const withDefault =
      (method: SkillApiFunction, fallback: ApiFunctionImplementation): ApiFunctionImplementation =>
      (...args: JsonValue[]) =>
        (this.#scripts.get(method) ?? fallback)(...args);
    return createApiHandler({
      grants,
      calls: this.calls,
      implementation: {
        'log.debug': withDefault('log.debug', () => null),
        'log.info': withDefault('log.info', () => null),
        'log.warn': withDefault('log.warn', () => null),
        'log.error': withDefault('log.error', () => null),
        'storage.get': withDefault('storage.get', (key) => this.storage.get(storageKey(key)) ?? null),
        'storage.set': withDefault('storage.set', (key, value) => {
          this.storage.set(storageKey(key), value ?? null);
          return null;
        }),
        'storage.delete': withDefault('storage.delete', (key) => this.storage.delete(storageKey(key))),
        'storage.list': withDefault('storage.list', (prefix) =>
          [...this.storage.keys()]
            .filter((key) => typeof prefix !== 'string' || key.startsWith(prefix))
            .sort(),
        ),
        'http.fetch': scripted('http.fetch'),
        'config.get': scripted('config.get'),
        'skills.invoke': scripted('skills.invoke'),
        'llm.complete': scripted('llm.complete'),
        'telegram.send': scripted('telegram.send'),
        'shell.exec': scripted('shell.exec'),
        'automation.run': scripted('automation.run'),
      },
    });
  }
}

/** An error a scripted answer throws to make the skill's call fail with this code. */
export function fail(code: string, message: string): ApiCallError {
  return new ApiCallError(code, message);
}
