/**
 * The contract between the skill lifecycle (which decides what may run: manifests, checksums,
 * approvals, grants) and the skill runtime (which runs it: workers, isolates, the SkillAPI bridge,
 * limits, circuit breaker). Workflows and the admin call the runtime only through this.
 */
import type { SkillManifest } from '../../../plugins-sdk/src/manifest.ts';
import type { SkillPermission } from '../../../plugins-sdk/src/permissions.ts';
import type { JsonValue } from '../settings/value.ts';

export type { JsonValue, SkillManifest, SkillPermission };

/** What the owner approved for a skill: never more than its manifest asks for. */
export interface SkillGrants {
  permissions: SkillPermission[];
  /** Hosts `http` may reach. */
  net: string[];
  /** Secret handles the host may inject into outgoing requests. */
  secrets: string[];
}

export type SkillKind = 'core' | 'dynamic';

/** A verified package ready to be placed in the sandbox. */
export interface SkillPackage {
  manifest: SkillManifest;
  /** The bundled ES module (`index.js`) whose default export has `run(ctx)`. */
  code: string;
  /** SHA-256 (hex) over manifest and code, as recorded at approval. */
  checksum: string;
  kind: SkillKind;
  grants: SkillGrants;
}

export interface SkillRunRequest {
  input: JsonValue;
  config?: { [key: string]: JsonValue };
  /** For audit and logs: the workflow run or admin request this call belongs to. */
  runId?: string;
  /**
   * False on an attempt the caller will retry if it fails (workflow step retries): the circuit
   * breaker then records a failure of this call not at all, so it counts a step's final outcome
   * only. Successes are always recorded. Default true.
   */
  breakerCountsFailure?: boolean;
}

/** One SkillAPI call the skill made during a run, for the admin and run history. */
export interface ApiCallRecord {
  permission: string;
  method: string;
  allowed: boolean;
  durationMs: number;
  /** Error code when the call failed or was denied. */
  error?: string;
}

export type SkillErrorCode =
  | 'timeout'
  | 'memory_limit'
  | 'crashed'
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

export interface SkillRuntime {
  /** Places a package in the sandbox (replacing a loaded one of the same name); its module is evaluated once. */
  install(pkg: SkillPackage): Promise<void>;
  uninstall(name: string): Promise<void>;
  run(name: string, request: SkillRunRequest): Promise<SkillRunResult>;
  status(name: string): SkillStatus | undefined;
  list(): SkillStatus[];
  resetBreaker(name: string): void;
  /** Stops every worker. */
  close(): Promise<void>;
}
