/**
 * The contract between the skill lifecycle (which decides what may run: manifests, checksums,
 * approvals, grants) and the skill runtime (which runs it: workers, isolates, the SkillAPI bridge,
 * limits, circuit breaker). Workflows and the admin call the runtime only through this.
 */
import type { SkillManifest } from './manifest.ts';
import type { SecretBinding } from './secret-bindings.ts';
import type { SkillPermission } from './permission-table.ts';
import type { JsonValue } from './json.ts';
import type {
  ApiCallRecord,
  BreakerState,
  SkillErrorCode,
  SkillGrants,
  SkillKind,
  SkillRunResult,
  SkillStatus,
} from './wire-types.ts';

export type {
  ApiCallRecord,
  BreakerState,
  JsonValue,
  SkillErrorCode,
  SkillGrants,
  SkillKind,
  SkillManifest,
  SkillPermission,
  SkillRunResult,
  SkillStatus,
};

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
  /**
   * Secret bindings the host approved for this run alone: a workflow step's own binding
   * (`secretBinding` in its config, approved with a 2FA code when the step was saved;
   * step-secret-binding.ts). `http.fetch` uses them as it uses the manifest's approved bindings, for
   * hosts within the skill's grants and only with the `secrets` permission; a skill it invokes gets none.
   */
  secretBindings?: SecretBinding[];
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
