import { beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { WorkflowExecutor, type RunOutcome } from './executor.ts';
import type { StepResultRecord } from './run-repository.ts';
import { ManifestCatalog } from './skill-catalog.ts';
import { defineWorkflow, manifest } from './testing/definitions.ts';
import { ScriptedRuntime } from './testing/scripted-runtime.ts';

let runtime: ScriptedRuntime;
let catalog: ManifestCatalog;
let sleeps: number[];
let executor: WorkflowExecutor;

beforeEach(() => {
  runtime = new ScriptedRuntime()
    .define('echo', (input) => ({ result: input }))
    .define('add_one', (input) => ({ result: (typeof input === 'number' ? input : 0) + 1 }))
    .define('constant', (_input, config) => ({ result: config?.['value'] ?? null }))
    .define('pick', (_input, config) => ({ result: 'picked', branch: String(config?.['branch']) }));
  catalog = new ManifestCatalog([
    manifest('echo'),
    manifest('add_one'),
    manifest('constant'),
    manifest('pick', { routes: ['on_left', 'on_right', 'on_error'] }),
    manifest('flaky'),
    manifest('backup'),
  ]);
  sleeps = [];
  executor = new WorkflowExecutor({
    runtime,
    catalog,
    sleep: async (ms) => {
      sleeps.push(ms);
      return true;
    },
  });
});

async function run(
  definition: Record<string, unknown>,
  input: JsonValue = null,
  signal = new AbortController().signal,
): Promise<{ outcome: RunOutcome; steps: StepResultRecord[] }> {
  const steps: StepResultRecord[] = [];
  const outcome = await executor.execute({
    runId: 'run-1',
    definition: defineWorkflow({ name: 'test', ...definition }, catalog),
    input,
    signal,
    hooks: { stepFinished: (step) => void steps.push(step) },
  });
  return { outcome, steps };
}

describe('walk and inputs', () => {
  it('chains each step to the output of the step before, and ends with the last output', async () => {
    const { outcome, steps } = await run(
      {
        steps: [
          { id: 'a', name: 'A', skill: 'add_one' },
          { id: 'b', name: 'B', skill: 'add_one' },
          { id: 'c', name: 'C', skill: 'add_one' },
        ],
      },
      10,
    );
    expect(outcome).toEqual({ status: 'completed', output: 13, stepsExecuted: 3 });
    expect(steps.map((step) => [step.stepId, step.inputSnapshot, step.outputSnapshot])).toEqual([
      ['a', 10, 11],
      ['b', 11, 12],
      ['c', 12, 13],
    ]);
  });

  // AlexClaw WF-4 QUIRK: after a jump 1→3, step 3 received step 2's (missing) output, i.e. nil.
  it('after a jump, the next step receives the output of the step that actually ran just before', async () => {
    const { outcome, steps } = await run({
      steps: [
        {
          id: 'first',
          name: 'First',
          skill: 'constant',
          config: { value: 'from first' },
          routes: { on_success: 'third' },
        },
        { id: 'second', name: 'Second', skill: 'constant', config: { value: 'from second' } },
        { id: 'third', name: 'Third', skill: 'echo' },
      ],
    });
    expect(steps.map((step) => step.stepId)).toEqual(['first', 'third']);
    expect(steps[1]!.inputSnapshot).toBe('from first');
    expect(outcome).toMatchObject({ status: 'completed', output: 'from first' });
  });

  it('input_from takes the named earlier step’s latest output', async () => {
    const { steps } = await run(
      {
        steps: [
          { id: 'fetch', name: 'Fetch', skill: 'constant', config: { value: 'page' } },
          { id: 'count', name: 'Count', skill: 'constant', config: { value: 4 } },
          { id: 'notify', name: 'Notify', skill: 'echo', inputFrom: 'fetch' },
        ],
      },
      'trigger input',
    );
    expect(steps[0]!.inputSnapshot).toBe('trigger input');
    expect(steps[2]!.inputSnapshot).toBe('page');
  });

  it('input_from naming a step that did not run in this run gives null', async () => {
    const { steps } = await run({
      steps: [
        {
          id: 'start',
          name: 'Start',
          skill: 'constant',
          config: { value: 1 },
          routes: { on_success: 'last' },
        },
        { id: 'skipped', name: 'Skipped by route', skill: 'constant', config: { value: 2 } },
        { id: 'last', name: 'Last', skill: 'echo', inputFrom: 'skipped' },
      ],
    });
    expect(steps[1]!.inputSnapshot).toBeNull();
  });

  // AlexClaw WF-13 QUIRK: the final output was the highest-numbered position's, not the last executed.
  it('the final output is the output of the last step executed, even when that is not the last position', async () => {
    const { outcome, steps } = await run({
      steps: [
        { id: 'a', name: 'A', skill: 'constant', config: { value: 'a' }, routes: { on_success: 'c' } },
        { id: 'b', name: 'B', skill: 'constant', config: { value: 'b' }, routes: { on_success: 'end' } },
        { id: 'c', name: 'C', skill: 'constant', config: { value: 'c' }, routes: { on_success: 'b' } },
      ],
    });
    expect(steps.map((step) => step.stepId)).toEqual(['a', 'c', 'b']);
    expect(outcome).toMatchObject({ status: 'completed', output: 'b' });
  });

  it('a workflow with no steps completes with a null output', async () => {
    expect((await run({ steps: [] }, 'x')).outcome).toEqual({
      status: 'completed',
      output: null,
      stepsExecuted: 0,
    });
  });
});

describe('routes', () => {
  /** `pick` returns `branch`; `on_left` is routed to `left` (then `end`), anything else to `right` by `default`. */
  const choosing = (branch: string) => ({
    steps: [
      {
        id: 'choose',
        name: 'Choose',
        skill: 'pick',
        config: { branch },
        routes: { on_left: 'left', default: 'right' },
      },
      {
        id: 'left',
        name: 'Left',
        skill: 'constant',
        config: { value: 'L' },
        routes: { on_success: 'end' },
      },
      { id: 'right', name: 'Right', skill: 'constant', config: { value: 'R' } },
    ],
  });

  it('follows the route named by the branch, then `default`, then `end`', async () => {
    const left = await run(choosing('on_left'));
    expect(left.steps.map((step) => step.stepId)).toEqual(['choose', 'left']);
    expect(left.steps[0]!.branch).toBe('on_left');

    const other = await run(choosing('on_right'));
    expect(other.steps.map((step) => step.stepId)).toEqual(['choose', 'right']);
    expect(other.outcome).toMatchObject({ output: 'R' });
  });

  // AlexClaw WF-3 QUIRK: revisiting a step always failed with loop_detected, so no route could jump back.
  it('a route may jump backwards: a loop runs until its own exit branch', async () => {
    runtime.define('count_to_three', (input) => {
      const value = (typeof input === 'number' ? input : 0) + 1;
      return { result: value, branch: value >= 3 ? 'on_done' : 'on_again' };
    });
    catalog.add(manifest('count_to_three', { routes: ['on_again', 'on_done'] }));
    const { outcome, steps } = await run(
      {
        steps: [
          { id: 'start', name: 'Start', skill: 'echo' },
          {
            id: 'count',
            name: 'Count',
            skill: 'count_to_three',
            routes: { on_again: 'start', on_done: 'end' },
          },
        ],
      },
      0,
    );
    expect(steps.map((step) => step.stepId)).toEqual(['start', 'count', 'start', 'count', 'start', 'count']);
    expect(outcome).toMatchObject({ status: 'completed', output: 3 });
  });

  it('a runaway loop ends with step_budget_exceeded at the budget', async () => {
    const { outcome, steps } = await run({
      stepBudget: 7,
      steps: [
        { id: 'a', name: 'A', skill: 'echo' },
        { id: 'b', name: 'B', skill: 'echo', routes: { on_success: 'a' } },
      ],
    });
    expect(steps).toHaveLength(7);
    expect(outcome).toMatchObject({
      status: 'failed',
      stepsExecuted: 7,
      error: { code: 'step_budget_exceeded' },
    });
  });

  it('the default step budget is 100', async () => {
    const { outcome, steps } = await run({
      steps: [{ id: 'a', name: 'A', skill: 'echo', routes: { on_success: 'a' } }],
    });
    expect(steps).toHaveLength(100);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'step_budget_exceeded', stepId: 'a' } });
  });
});
