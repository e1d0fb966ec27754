import { SKILL_API_FUNCTIONS, type JsonValue, type SkillApiFunction } from './skill-api.ts';
import type { SkillPermission } from './permissions.ts';

/** Answers one SkillAPI call with the JSON envelope `{ result }` or `{ error: { code, message } }`. */
export type ApiCallHandler = (method: string, argsJson: string) => Promise<string>;

/** What a skill may use locally; the same shape as the grants the owner approves in Talon. */
export interface LocalGrants {
  permissions: SkillPermission[];
  net: string[];
  secrets: string[];
}

/** One SkillAPI call as the skill made it, for assertions in tests and the `apiCalls` of `run`. */
export interface RecordedApiCall {
  method: string;
  args: JsonValue[];
  permission: string | undefined;
  allowed: boolean;
  result?: JsonValue;
  error?: { code: string; message: string };
  durationMs: number;
}

/** Thrown by an implementation to answer a call with an error code the skill sees. */
export class ApiCallError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export type ApiFunctionImplementation = (...args: JsonValue[]) => unknown;
export type ApiImplementation = Partial<Record<SkillApiFunction, ApiFunctionImplementation>>;

function isApiFunction(method: string): method is SkillApiFunction {
  return Object.hasOwn(SKILL_API_FUNCTIONS, method);
}

/**
 * Builds the handler a sandbox run calls back into: unknown functions and functions whose
 * permission is not granted are refused exactly as the host refuses them (`permission_denied`),
 * everything else goes to the implementation; every call is recorded.
 */
export function createApiHandler(options: {
  grants: LocalGrants;
  implementation: ApiImplementation;
  calls: RecordedApiCall[];
}): ApiCallHandler {
  return async (method, argsJson) => {
    const started = performance.now();
    let args: JsonValue[];
    try {
      const parsed = JSON.parse(argsJson) as unknown;
      args = Array.isArray(parsed) ? (parsed as JsonValue[]) : [];
    } catch {
      args = [];
    }
    const permission = isApiFunction(method) ? SKILL_API_FUNCTIONS[method] : undefined;
    const record = (entry: Partial<RecordedApiCall>): void => {
      options.calls.push({
        method,
        args,
        permission,
        allowed: entry.error?.code !== 'permission_denied',
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        ...entry,
      });
    };
    // As in the host's permission table, `log` is granted to every skill without asking.
    const granted =
      permission === 'log' || (permission !== undefined && options.grants.permissions.includes(permission));
    if (!granted) {
      const error = {
        code: 'permission_denied',
        message:
          permission === undefined
            ? `${method} is not a SkillAPI function`
            : `${method} needs the "${permission}" permission, which this skill was not granted`,
      };
      record({ error });
      return JSON.stringify({ error });
    }
    const implementation = options.implementation[method as SkillApiFunction];
    try {
      if (!implementation) throw new ApiCallError('not_available', `${method} is not available here`);
      const value = await implementation(...args);
      const result = (value === undefined ? null : value) as JsonValue;
      record({ result });
      return JSON.stringify({ result });
    } catch (thrown) {
      // ApiCallError here, SkillApiError from the host's own implementations: both carry a code.
      const code = (thrown as { code?: unknown } | null)?.code;
      const error =
        thrown instanceof Error && typeof code === 'string'
          ? { code, message: thrown.message }
          : { code: 'upstream_error', message: thrown instanceof Error ? thrown.message : String(thrown) };
      record({ error });
      return JSON.stringify({ error });
    }
  };
}
