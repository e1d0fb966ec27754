import type { ObservedApiCall } from '@talon/skill-runtime/api/api-gate.ts';
import { SkillApiError, type SkillApiErrorCode } from '@talon/skill-runtime/api/api-error.ts';
import type { HostFunction } from '@talon/skill-runtime/api/call-context.ts';
import type { MemoryStorage } from '@talon/skill-runtime/api/memory-storage.ts';
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { SkillApiFunction } from '@talon/skill-runtime/contract/skill-api.ts';

/** An error a scripted answer throws to make the skill's call fail with this code. */
export class ApiCallError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The SkillAPI of a skill under test. It is Talon's own host-function table (the same gate: grants,
 * rate limits, argument checks), with `storage` in memory and no Talon settings; a test replaces any
 * function's answer with a script and asserts on every call. A call the skill was not granted is
 * refused with `permission_denied` and never reaches a script. Outside services (`llm`,
 * `telegram`, `shell`, `automation`) answer `not_available` until the test scripts them.
 */
export class FakeSkillApi {
  /** Every call the skill made, in order, with its arguments and answer. */
  readonly calls: ObservedApiCall[] = [];
  readonly #scripts = new Map<SkillApiFunction, (...args: JsonValue[]) => unknown>();
  readonly #backend: MemoryStorage;
  readonly #skill: string;

  constructor(skill: string, backend: MemoryStorage) {
    this.#skill = skill;
    this.#backend = backend;
  }

  /** The skill's `storage`, in memory; tests may seed or inspect it. */
  get storage(): Map<string, JsonValue> {
    return this.#backend.space(this.#skill);
  }

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
  callsOf(method: SkillApiFunction): ObservedApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The scripted answer of `method` as a host function, or undefined (the host's own answers). */
  scripted(method: SkillApiFunction): HostFunction | undefined {
    const script = this.#scripts.get(method);
    if (!script) return undefined;
    return async (_context, args) => {
      try {
        const value = await script(...args);
        return (value === undefined ? null : value) as JsonValue;
      } catch (thrown) {
        const code = (thrown as { code?: unknown } | null)?.code;
        if (thrown instanceof Error && typeof code === 'string') {
          throw new SkillApiError(code as SkillApiErrorCode, thrown.message);
        }
        throw new SkillApiError('upstream_error', thrown instanceof Error ? thrown.message : String(thrown));
      }
    };
  }
}

/** An error a scripted answer throws to make the skill's call fail with this code. */
export function fail(code: string, message: string): ApiCallError {
  return new ApiCallError(code, message);
}
