/**
 * What the skills API and run history send about skills and their runs. No imports with runtime
 * code: the admin UI imports these as types.
 */
import type { SkillPermission } from './permission-table.ts';
import type { JsonValue } from './json.ts';

/** What the owner approved for a skill: never more than its manifest asks for. */
export interface SkillGrants {
  permissions: SkillPermission[];
  /** Hosts `http` may reach. */
  net: string[];
  /**
   * Secret bindings, one line each (`github.token → header authorization (prefix "Bearer ") for
   * api.github.com`): the host puts each value only there. A bare handle is a grant made before
   * bindings existed; it enables nothing.
   */
  secrets: string[];
  /** Skills `skills.invoke` may run. */
  invokes: string[];
}

export type SkillKind = 'core' | 'dynamic';

/** One SkillAPI call the skill made during a run, for the admin and run history. */
export interface ApiCallRecord {
  permission: string;
  method: string;
  allowed: boolean;
  durationMs: number;
  /** Error code when the call failed or was denied. */
  error?: string;
  /** Secret handles whose values the host removed from what came back (a server echoed them). */
  redacted?: string[];
  /**
   * What the host says of the call for the run record: for `llm.complete`, the provider and model that
   * answered and the ones that failed before it (a fallback).
   */
  note?: string;
}

export type SkillErrorCode =
  | 'timeout'
  | 'memory_limit'
  | 'crashed'
  /** Another skill's call killed the worker both shared, and this call could not be run again. */
  | 'worker_lost'
  | 'circuit_open'
  | 'skill_not_found'
  | 'skill_error'
  | 'result_too_large'
  | 'invalid_result'
  | 'invalid_branch'
  | 'permission_denied'
  | 'rate_limited';

export type SkillRunResult =
  | { ok: true; result: JsonValue; branch: string; durationMs: number; apiCalls: ApiCallRecord[] }
  | {
      ok: false;
      error: { code: SkillErrorCode | (string & {}); message: string };
      durationMs: number;
      apiCalls: ApiCallRecord[];
    };

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface SkillStatus {
  name: string;
  version: string;
  kind: SkillKind;
  permissions: SkillPermission[];
  grants: SkillGrants;
  breaker: { state: BreakerState; failures: number; lastError: string | null; changedAt: string };
  calls: { total: number; failed: number };
}
