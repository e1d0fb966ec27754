import { GATE_LIMITS } from '../limits.ts';
import type { AuditSink } from '../ports.ts';
import type { ApiCallRecord, JsonValue, SkillPermission } from '../contract/runtime-contract.ts';
import {
  FUNCTION_PERMISSIONS,
  PERMISSION_TABLE,
  type PermissionEntry,
  type SkillApiFunctionName,
} from '../contract/permission-table.ts';
import type { SkillRateLimiter } from '../runtime/rate-limiter.ts';
import { DENIAL_CODES, SkillApiError } from './api-error.ts';
import type { ApiCallContext, CallReport, HostFunction } from './call-context.ts';

/** What the gate keeps per run. */
export interface ApiRunState {
  context: ApiCallContext;
  /** The calls made, for the run's result (capped; `droppedRecords` counts the rest). */
  records: ApiCallRecord[];
  droppedRecords: number;
  calls: number;
  /** Denials already audited in this run, so a flood writes one row per kind, not thousands. */
  audited: Set<string>;
}

/** One SkillAPI call as a test harness sees it: what the skill passed and what it got back. */
export interface ObservedApiCall {
  method: string;
  args: JsonValue[];
  permission: SkillPermission | undefined;
  allowed: boolean;
  result?: JsonValue;
  error?: { code: string; message: string };
  durationMs: number;
}

export interface ApiGateOptions {
  functions: Record<SkillApiFunctionName, HostFunction>;
  audit: AuditSink;
  rateLimiter: SkillRateLimiter;
  callsPerRun: number;
  maxRecordsPerRun?: number;
  /**
   * A test harness's scripted answer for a function, asked at call time after every check
   * (a call the skill may not make never reaches a script); undefined = the host function.
   */
  override?: (method: SkillApiFunctionName) => HostFunction | undefined;
  /** Sees every call with its arguments and answer (the test harness records them). */
  observe?: (call: ObservedApiCall) => void;
}

export function newApiRunState(context: ApiCallContext): ApiRunState {
  return { context, records: [], droppedRecords: 0, calls: 0, audited: new Set() };
}

function envelopeError(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/**
 * Every SkillAPI call passes here, in the host, at call time: the function must exist in the
 * permission table, its permission must be in the run's grants, the skill's rate limits must
 * allow it, and its arguments must be JSON. Denials are audited with skill, permission and reason.
 */
export class SkillApiGate {
  readonly #options: Required<Omit<ApiGateOptions, 'override' | 'observe'>> &
    Pick<ApiGateOptions, 'override' | 'observe'>;

  constructor(options: ApiGateOptions) {
    this.#options = { maxRecordsPerRun: GATE_LIMITS.maxRecordsPerRun, ...options };
  }

  async handle(run: ApiRunState, method: string, argsJson: string): Promise<string> {
    const started = performance.now();
    const permission = FUNCTION_PERMISSIONS.get(method);
    run.calls += 1;
    const redacted = new Map<string, number>();
    let note: string | undefined;
    const report: CallReport = {
      redacted: (handle, count) => redacted.set(handle, (redacted.get(handle) ?? 0) + count),
      note: (text) => {
        note = text.slice(0, 500);
      },
    };
    const redactions = (): { redacted?: string[]; note?: string } => ({
      ...(redacted.size > 0 ? { redacted: [...redacted.keys()].sort() } : {}),
      ...(note === undefined ? {} : { note }),
    });
    try {
      if (permission === undefined) {
        throw new SkillApiError('permission_denied', `${method.slice(0, 100)} is not a SkillAPI function`);
      }
      const entry: PermissionEntry = PERMISSION_TABLE[permission];
      if (!entry.alwaysGranted && !run.context.grants.permissions.includes(permission)) {
        throw new SkillApiError(
          'permission_denied',
          `${method} needs the \`${permission}\` permission, which this skill was not granted`,
        );
      }
      if (run.calls > this.#options.callsPerRun) {
        throw new SkillApiError(
          'rate_limited',
          `a run may make at most ${this.#options.callsPerRun} SkillAPI calls`,
        );
      }
      if (!this.#options.rateLimiter.take(run.context.skill)) {
        throw new SkillApiError(
          'rate_limited',
          `this skill may make at most ${this.#options.rateLimiter.perSecond} SkillAPI calls per second`,
        );
      }
      const args = parseArguments(method, argsJson);
      const name = method as SkillApiFunctionName;
      const fn = this.#options.override?.(name) ?? this.#options.functions[name];
      const result = await fn(run.context, args, report);
      this.#record(run, { permission, method, allowed: true, durationMs: elapsed(started), ...redactions() });
      await this.#auditRedactions(run, method, redacted);
      this.#options.observe?.({
        method,
        args,
        permission,
        allowed: true,
        result,
        durationMs: elapsed(started),
      });
      return JSON.stringify({ result });
    } catch (error) {
      const failure =
        error instanceof SkillApiError
          ? error
          : new SkillApiError('internal_error', `${method}: the host could not complete this call`);
      if (!(error instanceof SkillApiError))
        run.context.logger.error({ err: error, skill: run.context.skill, method }, 'a SkillAPI call failed');
      const denied = DENIAL_CODES.has(failure.code);
      this.#record(run, {
        permission: permission ?? 'unknown',
        method: method.slice(0, 100),
        allowed: !denied,
        durationMs: elapsed(started),
        error: failure.code,
        ...redactions(),
      });
      await this.#auditRedactions(run, method, redacted);
      this.#options.observe?.({
        method: method.slice(0, 100),
        args: argumentsForObserver(argsJson),
        permission,
        allowed: !denied,
        error: { code: failure.code, message: failure.message },
        durationMs: elapsed(started),
      });
      if (denied) await this.#auditDenial(run, permission, method, failure);
      return envelopeError(failure.code, failure.message);
    }
  }

  /** A server echoed a secret: the skill never saw it, and the owner can see that it happened. */
  async #auditRedactions(
    run: ApiRunState,
    method: string,
    redacted: ReadonlyMap<string, number>,
  ): Promise<void> {
    for (const [handle, count] of redacted) {
      await this.#options.audit.record({
        actor: `skill:${run.context.skill}`,
        action: `skillapi.${method.slice(0, 100)}`,
        target: handle,
        outcome: 'succeeded',
        reason: `the answer held the secret ${handle}; it was removed before the skill saw it`,
        source: run.context.runId,
        details: { secret: handle, removed: count },
      });
    }
  }

  #record(run: ApiRunState, record: ApiCallRecord): void {
    if (run.records.length < this.#options.maxRecordsPerRun) run.records.push(record);
    else run.droppedRecords += 1;
  }

  async #auditDenial(
    run: ApiRunState,
    permission: SkillPermission | undefined,
    method: string,
    failure: SkillApiError,
  ): Promise<void> {
    const kind = `${method}:${failure.code}`;
    if (run.audited.has(kind)) return;
    run.audited.add(kind);
    await this.#options.audit.record({
      actor: `skill:${run.context.skill}`,
      action: `skillapi.${method.slice(0, 100)}`,
      outcome: 'denied',
      reason: failure.message,
      source: run.context.runId,
      details: { permission: permission ?? null, code: failure.code, depth: run.context.depth },
    });
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function parseArguments(method: string, argsJson: string): JsonValue[] {
  let args: unknown;
  try {
    args = JSON.parse(argsJson);
  } catch {
    throw new SkillApiError('invalid_argument', `${method}: arguments are not JSON`);
  }
  if (!Array.isArray(args))
    throw new SkillApiError('invalid_argument', `${method}: arguments must be a list`);
  return args as JsonValue[];
}

/** The arguments as far as they parse (a denied call's are shown even when malformed). */
function argumentsForObserver(argsJson: string): JsonValue[] {
  try {
    const parsed = JSON.parse(argsJson) as unknown;
    return Array.isArray(parsed) ? (parsed as JsonValue[]) : [];
  } catch {
    return [];
  }
}
