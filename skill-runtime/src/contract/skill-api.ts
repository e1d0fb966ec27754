/**
 * What a skill sees: `run(ctx)` with `ctx.input`, `ctx.config` and `ctx.api`, the SkillAPI. Every
 * function of `ctx.api` goes back to the host, which checks it against the permissions the owner
 * granted to this skill (not merely those its manifest asked for). A call without the grant rejects
 * with a SkillApiError whose code is `permission_denied`.
 *
 * The compiler checks below that `SkillApi` offers exactly the functions of the permission table,
 * so these types cannot drift from what the host offers.
 */
import type { JsonObject, JsonValue } from './json.ts';
import type { SkillApiFunctionName } from './permission-table.ts';

export type { JsonObject, JsonValue };

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
   * A secret handle (`github.token`): the host puts its value where the manifest's approved binding
   * (or the binding the owner approved for this workflow step, `secretBinding` in its config) says,
   * for the binding's hosts only. The skill never sees the value. Needs the `secrets` permission.
   */
  secret?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text (size-capped by the host); parse JSON yourself with `JSON.parse`. */
  body: string;
}

export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  /** A single prompt, or a conversation (`messages`); one of the two. */
  prompt?: string;
  messages?: LlmMessage[];
  system?: string;
  /** How capable a model: `light`, `medium`, `heavy`, or `local` (never leaves the owner's machines). */
  tier?: 'light' | 'medium' | 'heavy' | 'local';
  maxTokens?: number;
  temperature?: number;
  /** Ask for JSON: the answer's `json` is the parsed value, or the call fails with `llm_invalid_json`. */
  json?: boolean;
  /** Text from outside (a web page, a feed): cleaned and fenced off from the instructions by the host. */
  untrusted?: string;
}

export interface LlmAnswer {
  text: string;
  json?: JsonValue;
  /** The provider that answered, and its model. */
  provider: string;
  model: string;
  usage: { inputTokens: number; outputTokens: number };
}

/** What `shell.exec` answers. */
export type ShellResult = {
  /** The command as it ran (quoting normalised). */
  command: string;
  /** The program's exit code; null when it was killed at the timeout. */
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr as they came, cut at the owner's `shell.max_output_chars`. */
  output: string;
  truncated: boolean;
  durationMs: number;
  timeoutSeconds: number;
  maxOutputChars: number;
};

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
    complete(request: LlmRequest): Promise<LlmAnswer>;
  };
  /** `telegram.send`: a message to the owner's chat. */
  telegram: {
    send(text: string, options?: { html?: boolean }): Promise<void>;
  };
  /**
   * `shell` (core skills only): a command line (and optional extra arguments) from the owner's
   * whitelist, run without a shell in an isolated jail, once a fresh 2FA code approved exactly it.
   */
  shell: {
    exec(command: string, args?: string[]): Promise<ShellResult>;
  };
  /** `automation` (core skills only): replay a recorded browser recipe in the sidecar. */
  automation: {
    run(recipe: string, params?: JsonObject): Promise<JsonValue>;
  };
}

/** Every function of `SkillApi` as `area.method`. */
type FunctionsOf<Api> = {
  [Area in keyof Api & string]: `${Area}.${keyof Api[Area] & string}`;
}[keyof Api & string];

/** A SkillAPI function as `area.method` (`http.fetch`). */
export type SkillApiFunction = SkillApiFunctionName;

// Compile-time check (no code in a skill's bundle): `SkillApi` and the permission table name exactly
// the same functions; adding one to either without the other fails the type check here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<Condition extends true> = Condition;
export type SkillApiMatchesPermissionTable = Assert<Same<FunctionsOf<SkillApi>, SkillApiFunctionName>>;

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
