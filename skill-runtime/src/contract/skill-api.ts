/**
 * What a skill sees: `run(ctx)` with `ctx.input`, `ctx.config` and `ctx.api`, the SkillAPI. Every
 * function of `ctx.api` goes back to the host, which checks it against the permissions the owner
 * granted to this skill (not merely those its manifest asked for). A call without the grant rejects
 * with a SkillApiError whose code is `permission_denied`.
 *
 * SKILL_API_FUNCTIONS below is the list of functions and the permission each needs; a test keeps it
 * identical to the host's permission table so these types cannot drift from what the host offers.
 */
import type { SkillPermission } from './permissions.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Why a SkillAPI call failed; `code` is stable, `message` is for people. */
export interface SkillApiError extends Error {
  code:
    | 'permission_denied'
    | 'host_not_allowed'
    | 'secret_not_granted'
    | 'rate_limited'
    | 'invalid_argument'
    | 'not_found'
    | 'upstream_error'
    | 'timeout'
    | (string & {});
}

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  /** A string is sent as is; an object or array is sent as JSON. */
  body?: string | JsonObject | JsonValue[];
  /**
   * A secret handle (from the manifest's `secrets`, and granted) the host puts into a header of
   * this request. The skill never sees the value. Needs the `secrets` permission.
   */
  secret?: { handle: string; header: string; prefix?: string };
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text (size-capped by the host); parse JSON yourself with `JSON.parse`. */
  body: string;
}

export interface LlmRequest {
  prompt: string;
  system?: string;
  maxTokens?: number;
  temperature?: number;
}

export type InvokeResult =
  { ok: true; result: JsonValue; branch: string } | { ok: false; error: { code: string; message: string } };

export type LogFields = Record<string, JsonValue>;

export interface SkillApi {
  /** `log`: lines in Talon's log, tagged with the skill and the run. */
  log: {
    debug(message: string, fields?: LogFields): Promise<void>;
    info(message: string, fields?: LogFields): Promise<void>;
    warn(message: string, fields?: LogFields): Promise<void>;
    error(message: string, fields?: LogFields): Promise<void>;
  };
  /** `http`: requests to the hosts in the manifest's `net` (and granted) only. */
  http: {
    fetch(url: string, request?: HttpRequest): Promise<HttpResponse>;
  };
  /** `config.read`: non-secret settings of the host; a secret setting answers `permission_denied`. */
  config: {
    get(key: string): Promise<JsonValue | null>;
  };
  /** `storage`: a small key-value store of this skill's own, kept across runs. */
  storage: {
    get(key: string): Promise<JsonValue | null>;
    set(key: string, value: JsonValue): Promise<void>;
    delete(key: string): Promise<boolean>;
    list(prefix?: string): Promise<string[]>;
  };
  /** `skills.invoke`: run another loaded skill; it runs with its own grants, never more than yours. */
  skills: {
    invoke(name: string, input: JsonValue, config?: JsonObject): Promise<InvokeResult>;
  };
  /** `llm`: a completion from the configured language model. */
  llm: {
    complete(request: LlmRequest): Promise<{ text: string }>;
  };
  /** `telegram.send`: a message to the owner's chat. */
  telegram: {
    send(text: string, options?: { html?: boolean }): Promise<void>;
  };
  /** `shell` (core skills only): a command from the host's allowlist, without a shell. */
  shell: {
    exec(command: string, args?: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  };
  /** `automation` (core skills only): replay a recorded browser recipe in the sidecar. */
  automation: {
    run(recipe: string, params?: JsonObject): Promise<JsonValue>;
  };
}

/** Every SkillAPI function as `area.method`, with the permission it needs. */
export const SKILL_API_FUNCTIONS = {
  'log.debug': 'log',
  'log.info': 'log',
  'log.warn': 'log',
  'log.error': 'log',
  'http.fetch': 'http',
  'config.get': 'config.read',
  'storage.get': 'storage',
  'storage.set': 'storage',
  'storage.delete': 'storage',
  'storage.list': 'storage',
  'skills.invoke': 'skills.invoke',
  'llm.complete': 'llm',
  'telegram.send': 'telegram.send',
  'shell.exec': 'shell',
  'automation.run': 'automation',
} as const satisfies Record<string, SkillPermission>;

export type SkillApiFunction = keyof typeof SKILL_API_FUNCTIONS;

/** What `run` receives. */
export interface SkillContext<Config = JsonObject, Input = JsonValue> {
  input: Input;
  /** The workflow step's config, validated against the manifest's `configSchema`. */
  config: Config;
  api: SkillApi;
}

/** Marks a result that takes a branch other than `on_success`; make one with `branch()`. */
export const BRANCH_KEY = '$branch';

export interface BranchResult<Result extends JsonValue = JsonValue> {
  [BRANCH_KEY]: string;
  result: Result;
}

/** What `run` may return: a JSON value (branch `on_success`) or `branch(name, value)`. */
export type SkillReturn = JsonValue | BranchResult;

export interface SkillDefinition<Config = JsonObject, Input = JsonValue> {
  run(ctx: SkillContext<Config, Input>): SkillReturn | Promise<SkillReturn>;
}
