import { randomUUID } from 'node:crypto';
import { newApiRunState, SkillApiGate, type ApiGateOptions } from '../api/api-gate.ts';
import type { ApiCallContext } from '../api/call-context.ts';
import { hostFunctions, type HostFunctionDependencies } from '../api/host-functions.ts';
import { DEFAULT_NETWORK_POLICY, ownerNetworkPolicy, type NetworkPolicy } from '../api/net-policy.ts';
import type { StorageBackend } from '../api/storage.ts';
import { SKILL_NAME_PATTERN } from '../contract/manifest.ts';
import { EFFECT_FREE_FUNCTIONS, SKILL_API_FUNCTION_NAMES } from '../contract/permission-table.ts';
import type {
  JsonValue,
  SkillGrants,
  SkillPackage,
  SkillRunRequest,
  SkillRunResult,
  SkillRuntime,
  SkillStatus,
} from '../contract/runtime-contract.ts';
import { secretBindingProblems } from '../contract/secret-bindings.ts';
import { TalonError } from '../errors.ts';
import {
  BREAKER_LIMITS,
  PACKAGE_LIMITS,
  RUNTIME_LIMITS,
  type HttpLimits,
  type RuntimeLimits,
  type StorageLimits,
} from '../limits.ts';
import {
  readInteger,
  type AuditSink,
  type Logger,
  type SecretResolver,
  type SettingsReader,
} from '../ports.ts';
import { Sandbox, type SandboxOptions } from '../sandbox/sandbox.ts';
import { SandboxError } from '../sandbox/sandbox-error.ts';
import type { WallStatus } from '../sandbox/wall.ts';
import { CircuitBreakers, type BreakerChange } from './circuit-breaker.ts';
import { cordonOf } from './cordon.ts';
import { assertMayInvoke, calleeDepth, effectiveGrants, narrowGrants } from './invoke-chain.ts';
import { SkillRateLimiter } from './rate-limiter.ts';
import { prepareRunRequest } from './run-request.ts';
import { interpretOutcome } from './run-result.ts';
import { skillLimits } from './skill-limits.ts';

export interface SandboxSkillRuntimeOptions {
  settings: SettingsReader;
  secrets: SecretResolver;
  storage: StorageBackend;
  audit: AuditSink;
  logger: Logger;
  /** Where a skill's own `log.*` lines go; default: `logger` (the SDK shows them on stderr). */
  skillLogger?: Logger;
  limits?: Partial<RuntimeLimits>;
  /** Fixed (tests, `talon-skill run` flags); without it, the owner's settings `skills.http.*` on every call. */
  network?: Partial<NetworkPolicy>;
  sandbox?: Omit<SandboxOptions, 'logger' | 'apiFunctions'>;
  httpLimits?: HttpLimits;
  storageLimits?: StorageLimits;
  /** The host's outside services (`llm.complete`, `telegram.send`, ...) and what a missing one says. */
  services?: HostFunctionDependencies['services'];
  unavailable?: HostFunctionDependencies['unavailable'];
  /** Added to the message of `skill_not_found` (the SDK says how to load another skill). */
  notLoadedHint?: string;
  /** A test harness's scripted answers and its record of calls (see ApiGateOptions). */
  override?: ApiGateOptions['override'];
  observe?: ApiGateOptions['observe'];
}

interface InstalledSkill {
  pkg: SkillPackage;
  grants: SkillGrants;
  calls: { total: number; failed: number };
}

interface Chain {
  depth: number;
  /** The skill that invoked this run (undefined for a run the host started) and what it may do. */
  caller: string | undefined;
  callerGrants: SkillGrants | undefined;
}

/**
 * The breaker a run counts to: the skill's own for a run the host started; for a run through
 * `skills.invoke`, one for that caller and callee, so a caller cannot switch a skill off for
 * everyone by making it fail (with narrowed grants or crafted input).
 */
function breakerKey(name: string, chain: Chain): string {
  return chain.caller === undefined ? name : `${chain.caller}→${name}`;
}

const NAME = new RegExp(SKILL_NAME_PATTERN);

/**
 * The SkillRuntime: circuit breaker → input checks → sandbox worker, with every SkillAPI call of
 * the run going through the gate (grant check, rate limits, audit) to the host functions.
 */
export class SandboxSkillRuntime implements SkillRuntime {
  readonly #skills = new Map<string, InstalledSkill>();
  readonly #limits: RuntimeLimits;
  readonly #logger: Logger;
  readonly #sandbox: Sandbox;
  readonly #gate: SkillApiGate;
  readonly #rateLimiter: SkillRateLimiter;
  readonly breakers: CircuitBreakers;
  readonly #notLoadedHint: string;
  readonly #skillLogger: Logger;

  constructor(options: SandboxSkillRuntimeOptions) {
    this.#limits = { ...RUNTIME_LIMITS, ...options.limits };
    this.#notLoadedHint = options.notLoadedHint ?? '';
    this.#logger = options.logger.child({ domain: 'skills' });
    this.#skillLogger = options.skillLogger ?? this.#logger;
    this.#sandbox = new Sandbox({
      effectFreeFunctions: EFFECT_FREE_FUNCTIONS,
      ...options.sandbox,
      logger: this.#logger,
      apiFunctions: SKILL_API_FUNCTION_NAMES,
    });
    this.#rateLimiter = new SkillRateLimiter(this.#limits.apiCallsPerSecond);
    this.#gate = new SkillApiGate({
      audit: options.audit,
      rateLimiter: this.#rateLimiter,
      callsPerRun: this.#limits.apiCallsPerRun,
      functions: hostFunctions({
        settings: options.settings,
        secrets: options.secrets,
        storage: options.storage,
        // Given explicitly (tests, benchmarks) or the owner's settings, read on every call.
        network: options.network
          ? { ...DEFAULT_NETWORK_POLICY, ...options.network }
          : () => ownerNetworkPolicy(options.settings),
        ...(options.httpLimits ? { httpLimits: options.httpLimits } : {}),
        ...(options.storageLimits ? { storageLimits: options.storageLimits } : {}),
        ...(options.services ? { services: options.services } : {}),
        ...(options.unavailable ? { unavailable: options.unavailable } : {}),
      }),
      ...(options.override ? { override: options.override } : {}),
      ...(options.observe ? { observe: options.observe } : {}),
    });
    this.breakers = new CircuitBreakers(
      () =>
        readInteger(
          options.settings,
          'skills.circuit_breaker.cooldown_seconds',
          BREAKER_LIMITS.defaultCooldownSeconds,
        ) * 1000,
    );
    this.breakers.on('change', (change) =>
      this.#logger[change.to === 'open' ? 'error' : 'info'](
        { breaker: change },
        `circuit breaker of ${change.skill}: ${change.to}`,
      ),
    );
  }

  /** Subscribe to breaker state changes (the gateway announces them); returns the unsubscribe. */
  onBreakerChange(listener: (change: BreakerChange) => void): () => void {
    this.breakers.on('change', listener);
    return () => this.breakers.off('change', listener);
  }

  async install(pkg: SkillPackage): Promise<void> {
    const name = pkg.manifest.name;
    if (!NAME.test(name))
      throw new TalonError('invalid_skill', `"${name.slice(0, 64)}" is not a valid skill name`, 400);
    if (typeof pkg.code !== 'string' || Buffer.byteLength(pkg.code) > PACKAGE_LIMITS.maxBundleBytes) {
      throw new TalonError(
        'invalid_skill',
        `the code of ${name} must be a string of at most ${PACKAGE_LIMITS.maxBundleBytes} bytes`,
        400,
      );
    }
    const grants = effectiveGrants(pkg);
    try {
      await this.#sandbox.place(
        name,
        pkg.code,
        skillLimits(pkg.manifest, this.#limits),
        cordonOf(pkg.kind, pkg.manifest, grants),
      );
    } catch (error) {
      if (error instanceof SandboxError) {
        throw new TalonError('invalid_skill', `${name} could not be loaded: ${error.message}`, 400);
      }
      throw error;
    }
    const previous = this.#skills.get(name);
    this.#skills.set(name, {
      pkg,
      grants,
      calls: previous?.calls ?? { total: 0, failed: 0 },
    });
    this.breakers.reset(name);
  }

  async uninstall(name: string): Promise<void> {
    this.#skills.delete(name);
    this.breakers.forget(name);
    this.#rateLimiter.forget(name);
    await this.#sandbox.remove(name);
  }

  run(name: string, request: SkillRunRequest): Promise<SkillRunResult> {
    return this.#run(name, request, { depth: 0, caller: undefined, callerGrants: undefined });
  }

  status(name: string): SkillStatus | undefined {
    const skill = this.#skills.get(name);
    if (!skill) return undefined;
    return {
      name,
      version: skill.pkg.manifest.version,
      kind: skill.pkg.kind,
      permissions: [...skill.pkg.manifest.permissions],
      grants: {
        permissions: [...skill.grants.permissions],
        net: [...skill.grants.net],
        secrets: [...skill.grants.secrets],
        invokes: [...skill.grants.invokes],
      },
      breaker: this.breakers.snapshot(name),
      calls: { ...skill.calls },
    };
  }

  list(): SkillStatus[] {
    return [...this.#skills.keys()].sort().map((name) => this.status(name)!);
  }

  resetBreaker(name: string): void {
    this.breakers.reset(name);
  }

  /** The process id of the worker the skill lives in now (undefined while it has none). */
  workerOf(name: string): number | undefined {
    return this.#sandbox.workerOf(name);
  }

  /** Process ids of the sandbox workers (for memory accounting in benchmarks and metrics). */
  workerPids(): number[] {
    return this.#sandbox.workerPids();
  }

  /** Whether the second wall around workers stands (checked once, from inside; see sandbox/wall.ts). */
  wallStatus(): Promise<WallStatus> {
    return this.#sandbox.wallStatus();
  }

  /** Resolves once the warm spare workers have started. */
  sparesReady(): Promise<void> {
    return this.#sandbox.sparesReady();
  }

  async close(): Promise<void> {
    this.breakers.close();
    await this.#sandbox.close();
  }

  async #run(name: string, request: SkillRunRequest, chain: Chain): Promise<SkillRunResult> {
    const started = performance.now();
    const failed = async (code: string, message: string): Promise<SkillRunResult> => {
      // Answered on a later turn of the event loop: a caller retrying in a tight loop (an open
      // breaker answers at once) must not starve timers and I/O with promise-only turns.
      await new Promise((resolve) => setImmediate(resolve));
      return {
        ok: false,
        error: { code, message },
        durationMs: Math.round(performance.now() - started),
        apiCalls: [],
      };
    };
    const skill = this.#skills.get(name);
    if (!skill)
      return failed(
        'skill_not_found',
        `no skill named "${String(name).slice(0, 64)}" is loaded${this.#notLoadedHint}`,
      );
    // Refused before the breaker: a caller's bad request says nothing about the skill's health.
    const prepared = prepareRunRequest(skill.pkg.manifest, request, this.#limits.resultMaxChars);
    if (!prepared.ok) return failed(prepared.code, prepared.message);
    const grants = narrowGrants(skill.grants, chain.callerGrants);
    // A step's own binding is for the skill the step runs: one it invokes gets none.
    const runSecretBindings = chain.caller === undefined ? (request.secretBindings ?? []) : [];
    const bindingProblem = runSecretBindings
      .flatMap((binding) => secretBindingProblems(binding, grants.net))
      .map((problem) => `${problem.field} ${problem.message}`)[0];
    if (bindingProblem !== undefined) {
      return failed('invalid_input', `the step's secret binding cannot be used: ${bindingProblem}`);
    }
    const breakerName = breakerKey(name, chain);
    const admission = this.breakers.admit(breakerName);
    skill.calls.total += 1;
    if (admission === 'rejected') {
      skill.calls.failed += 1;
      const breaker = this.breakers.snapshot(breakerName);
      const forWhom = chain.caller === undefined ? '' : ` for calls from ${chain.caller}`;
      return failed(
        'circuit_open',
        `${name} is switched off${forWhom} after ${breaker.failures} failures in a row (last: ${breaker.lastError ?? 'unknown'}); it is tried again after the cooldown or a reset`,
      );
    }
    const context: ApiCallContext = {
      skill: name,
      manifest: skill.pkg.manifest,
      grants,
      depth: chain.depth,
      runSecretBindings,
      runId: request.runId ?? randomUUID(),
      logger: this.#skillLogger,
      logLines: 0,
      invoke: (callee, calleeInput, calleeConfig) => this.#invoke(context, callee, calleeInput, calleeConfig),
    };
    const state = newApiRunState(context);
    const outcome = await this.#sandbox.run(name, prepared.input, prepared.config, (method, args) =>
      this.#gate.handle(state, method, args),
    );
    const interpreted = interpretOutcome(outcome, skill.pkg.manifest, state.records);
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    // A call lost with a worker another skill's call had killed says nothing of this skill's health.
    const countsToBreaker =
      interpreted.ok || (request.breakerCountsFailure !== false && interpreted.error.code !== 'worker_lost');
    if (countsToBreaker) {
      this.breakers.record(
        breakerName,
        admission,
        interpreted.ok ? null : `${interpreted.error.code}: ${interpreted.error.message}`.slice(0, 300),
      );
    } else {
      this.breakers.release(breakerName, admission);
    }
    if (!interpreted.ok) {
      skill.calls.failed += 1;
      this.#logger.warn(
        { skill: name, runId: context.runId, code: interpreted.error.code },
        interpreted.error.message,
      );
      return { ok: false, error: interpreted.error, durationMs, apiCalls: state.records };
    }
    return {
      ok: true,
      result: interpreted.result,
      branch: interpreted.branch,
      durationMs,
      apiCalls: state.records,
    };
  }

  async #invoke(
    caller: ApiCallContext,
    callee: string,
    input: JsonValue,
    config: { [key: string]: JsonValue } | undefined,
  ): Promise<SkillRunResult> {
    assertMayInvoke(caller.skill, caller.grants, callee);
    const depth = calleeDepth(caller.depth, this.#limits.maxChainDepth);
    return this.#run(
      callee,
      { input, ...(config ? { config } : {}), runId: caller.runId },
      { depth, caller: caller.skill, callerGrants: caller.grants },
    );
  }
}
