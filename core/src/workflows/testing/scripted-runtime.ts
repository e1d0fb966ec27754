import type {
  JsonValue,
  SkillPackage,
  SkillRunRequest,
  SkillRunResult,
  SkillRuntime,
  SkillStatus,
} from '@talon/skill-runtime/contract/runtime-contract.ts';

/** What a scripted skill answers: a value and branch, or an error code. */
export type ScriptedAnswer = { result: JsonValue; branch?: string } | { error: string; message?: string };

export type ScriptedSkill = (
  input: JsonValue,
  config: SkillRunRequest['config'],
  call: number,
) => ScriptedAnswer | Promise<ScriptedAnswer>;

export interface RecordedCall {
  skill: string;
  input: JsonValue;
  breakerCountsFailure: boolean;
}

const BREAKER_THRESHOLD = 3;

/**
 * A SkillRuntime test double for executor unit tests (the runtime is a dependency boundary): each
 * skill is a function, every call is recorded, and a minimal breaker honours `breakerCountsFailure`
 * (opens after 3 counted failures). The real sandbox runtime is exercised by the integration tests.
 */
export class ScriptedRuntime implements SkillRuntime {
  readonly calls: RecordedCall[] = [];
  readonly #skills = new Map<string, ScriptedSkill>();
  readonly #failures = new Map<string, number>();
  readonly #open = new Set<string>();

  define(name: string, skill: ScriptedSkill): this {
    this.#skills.set(name, skill);
    return this;
  }

  remove(name: string): void {
    this.#skills.delete(name);
  }

  openCircuit(name: string): void {
    this.#open.add(name);
  }

  breakerFailures(name: string): number {
    return this.#failures.get(name) ?? 0;
  }

  callsTo(name: string): RecordedCall[] {
    return this.calls.filter((call) => call.skill === name);
  }

  async run(name: string, request: SkillRunRequest): Promise<SkillRunResult> {
    const counts = request.breakerCountsFailure !== false;
    this.calls.push({ skill: name, input: request.input, breakerCountsFailure: counts });
    const skill = this.#skills.get(name);
    if (!skill) return this.#error('skill_not_found', `skill ${name} is not installed`);
    if (this.#open.has(name)) return this.#error('circuit_open', `the circuit of ${name} is open`);
    const answer = await skill(request.input, request.config, this.callsTo(name).length);
    if ('error' in answer) {
      if (counts) {
        const failures = (this.#failures.get(name) ?? 0) + 1;
        this.#failures.set(name, failures);
        if (failures >= BREAKER_THRESHOLD) this.#open.add(name);
      }
      return this.#error(answer.error, answer.message ?? `${name} failed`);
    }
    this.#failures.set(name, 0);
    return {
      ok: true,
      result: answer.result,
      branch: answer.branch ?? 'on_success',
      durationMs: 1,
      apiCalls: [],
    };
  }

  #error(code: string, message: string): SkillRunResult {
    return { ok: false, error: { code, message }, durationMs: 1, apiCalls: [] };
  }

  async install(_pkg: SkillPackage): Promise<void> {}
  async uninstall(name: string): Promise<void> {
    this.#skills.delete(name);
  }
  status(_name: string): SkillStatus | undefined {
    return undefined;
  }
  list(): SkillStatus[] {
    return [];
  }
  resetBreaker(name: string): void {
    this.#failures.delete(name);
    this.#open.delete(name);
  }
  async close(): Promise<void> {}
}
