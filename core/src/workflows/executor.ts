import type { JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { END, type WorkflowDefinition } from './definition.ts';
import { nextAfterFailure, nextAfterSkip, nextAfterSuccess } from './routes.ts';
import type { StepResultRecord } from './run-repository.ts';
import { capSnapshot } from './snapshot.ts';
import { runStep, type StepRunnerDeps } from './step-runner.ts';
import { sanitizeIfExternal, stepLlmPolicy } from './untrusted-output.ts';
import { StepSecretBindingStore } from './step-secret-bindings.ts';
import { ContentSanitizer } from '../content/sanitizer.ts';
import { DEFAULT_INJECTION_PATTERNS, DEFAULT_MAX_STRING_CHARS } from '../content/injection-patterns.ts';

export interface RunHooks {
  /** Before a step runs (live progress). */
  stepStarted?(event: { seq: number; stepId: string; stepName: string }): void;
  /** After a step, with what run history keeps of it. Awaited, so history is written in order. */
  stepFinished(result: StepResultRecord): Promise<void> | void;
}

export interface RunRequest {
  runId: string;
  /** The workflow the run belongs to: its steps' approved secret bindings are looked up by it. */
  workflowId?: string;
  definition: WorkflowDefinition;
  /** The first step's input (what the trigger passed). */
  input: JsonValue;
  /** Cancel or shutdown: the walk stops before the next step (a step in flight finishes). */
  signal: AbortSignal;
  hooks: RunHooks;
}

export type RunOutcome =
  | { status: 'completed'; output: JsonValue; stepsExecuted: number }
  | {
      status: 'failed';
      output: JsonValue;
      stepsExecuted: number;
      error: { code: string; message: string; stepId: string | null };
    }
  | { status: 'aborted'; stepsExecuted: number };

/**
 * Walks a workflow definition: one step at a time, choosing the next by the branch the skill returned.
 * The failure order and the input rules are documented in core/src/workflows/README.md.
 */
export class WorkflowExecutor {
  readonly #deps: StepRunnerDeps;
  readonly #sanitizer: ContentSanitizer;

  constructor(deps: StepRunnerDeps) {
    this.#deps = deps;
    this.#sanitizer =
      deps.sanitizer ??
      new ContentSanitizer(() => ({
        patterns: DEFAULT_INJECTION_PATTERNS,
        maxStringChars: DEFAULT_MAX_STRING_CHARS,
      }));
  }

  async execute(request: RunRequest): Promise<RunOutcome> {
    try {
      return await this.#walk(request);
    } finally {
      this.#deps.llmPolicies?.delete(request.runId);
    }
  }

  async #walk(request: RunRequest): Promise<RunOutcome> {
    const { definition, signal } = request;
    const steps = definition.steps;
    const indexById = new Map(steps.map((step, index) => [step.id, index]));
    const latestOutput = new Map<string, JsonValue>();
    let previousOutput: JsonValue = request.input;
    // Final output = the output of the last step executed (null when no step ran).
    let finalOutput: JsonValue = null;
    let executed = 0;
    let current = steps[0]?.id ?? END;
    // Read once per run: a binding approved after the run started waits for the next run. A
    // workflow whose steps choose no binding has nothing to look up (no read).
    const approvedBindings =
      request.workflowId !== undefined &&
      this.#deps.stepSecrets &&
      StepSecretBindingStore.choosesAny(definition)
        ? await this.#deps.stepSecrets.approved(request.workflowId)
        : new Set<string>();

    while (current !== END) {
      if (signal.aborted) return { status: 'aborted', stepsExecuted: executed };
      const index = indexById.get(current)!;
      const step = steps[index]!;
      if (executed >= definition.stepBudget) {
        return {
          status: 'failed',
          output: finalOutput,
          stepsExecuted: executed,
          error: {
            code: 'step_budget_exceeded',
            message: `the run reached its budget of ${definition.stepBudget} steps before reaching "${step.id}" (a route loop?)`,
            stepId: step.id,
          },
        };
      }
      // By id, not position: after a jump the default input is the step that actually ran just before.
      const input: JsonValue =
        step.inputFrom === null ? previousOutput : (latestOutput.get(step.inputFrom) ?? null);
      const seq = executed + 1;
      request.hooks.stepStarted?.({ seq, stepId: step.id, stepName: step.name });
      const startedAt = Date.now();
      this.#deps.llmPolicies?.set(request.runId, stepLlmPolicy(definition, step));
      const secretBindings = StepSecretBindingStore.forStep(
        approvedBindings,
        step.id,
        step.config,
        this.#deps.catalog.describe(step.skill)?.net ?? [],
      );
      const execution = await runStep(this.#deps, step, input, request.runId, signal, secretBindings);
      executed = seq;

      let output: JsonValue;
      let next: string | undefined;
      if (execution.outcome === 'failed') {
        output = {
          error: {
            code: execution.error.code,
            message: execution.error.message,
            stepId: step.id,
            ...(execution.result === undefined ? {} : { result: execution.result }),
          },
        };
        next = nextAfterFailure(steps, index);
      } else if (execution.outcome === 'skipped') {
        output = execution.output;
        next = nextAfterSkip(steps, index);
      } else {
        output = execution.output;
        next = nextAfterSuccess(steps, index, execution.branch);
      }

      // Untrusted output is cleaned before anything downstream (next step, run output) sees it.
      const untrusted = sanitizeIfExternal(
        this.#deps.catalog,
        this.#sanitizer,
        execution.executedSkill,
        output,
      );
      output = untrusted.output;

      const problem =
        execution.outcome === 'failed'
          ? execution.error
          : execution.outcome === 'succeeded'
            ? undefined
            : execution.reason;
      await request.hooks.stepFinished({
        seq,
        stepId: step.id,
        stepName: step.name,
        skill: step.skill,
        executedSkill: execution.executedSkill,
        outcome: execution.outcome,
        branch:
          execution.outcome === 'succeeded' || execution.outcome === 'fallback' ? execution.branch : null,
        nextStepId: next ?? null,
        inputSnapshot: capSnapshot(input),
        outputSnapshot: capSnapshot(output),
        // For a skip or a fallback: why the step's own skill did not run.
        errorCode: problem?.code ?? null,
        errorMessage: problem?.message ?? null,
        attempts: execution.attempts,
        durationMs: Date.now() - startedAt,
        apiCalls: execution.apiCalls,
        sanitized: untrusted.report,
        startedAt,
      });

      if (next === undefined && execution.outcome === 'failed') {
        return {
          status: 'failed',
          output,
          stepsExecuted: executed,
          error: { code: execution.error.code, message: execution.error.message, stepId: step.id },
        };
      }
      latestOutput.set(step.id, output);
      previousOutput = output;
      finalOutput = output;
      current = next ?? END;
    }
    return { status: 'completed', output: finalOutput, stepsExecuted: executed };
  }
}
