import { beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { WorkflowExecutor, type RunOutcome } from './executor.ts';
import type { StepResultRecord } from './run-repository.ts';
import { ManifestCatalog } from './skill-catalog.ts';
import { defineWorkflow, manifest } from './testing/definitions.ts';
import { ScriptedRuntime } from './testing/scripted-runtime.ts';

// The failure order of core/src/workflows/README.md, path by path.

let runtime: ScriptedRuntime;
let catalog: ManifestCatalog;
let sleeps: number[];

beforeEach(() => {
  runtime = new ScriptedRuntime()
    .define('echo', (input) => ({ result: input }))
    .define('backup', () => ({ result: 'from backup', branch: 'on_success' }))
    .define('broken', () => ({ error: 'skill_error', message: 'boom' }))
    .define('denied', () => ({ error: 'permission_denied', message: 'http not granted' }));
  catalog = new ManifestCatalog(
    ['echo', 'backup', 'broken', 'denied', 'flaky', 'gone', 'handler'].map((name) => manifest(name)),
  );
  catalog.add(
    manifest('typed', {
      configSchema: { type: 'object', required: ['url'], properties: { url: { type: 'string' } } },
    }),
  );
  runtime.define('typed', () => ({ result: 'ran' }));
  runtime.define('handler', (input) => ({ result: { handled: input } }));
  sleeps = [];
});

async function run(
  steps: Record<string, unknown>[],
  input: JsonValue = 'in',
): Promise<{ outcome: RunOutcome; steps: StepResultRecord[] }> {
  const executor = new WorkflowExecutor({
    runtime,
    catalog,
    sleep: async (ms) => {
      sleeps.push(ms);
      return true;
    },
  });
  const recorded: StepResultRecord[] = [];
  const outcome = await executor.execute({
    runId: 'run-1',
    definition: defineWorkflow({ name: 'failure order', steps }, catalog),
    input,
    signal: new AbortController().signal,
    hooks: { stepFinished: (step) => void recorded.push(step) },
  });
  return { outcome, steps: recorded };
}

describe('1. retries', () => {
  it('retries a failing skill with exponential backoff, and succeeds on a later attempt', async () => {
    runtime.define('flaky', (_input, _config, call) =>
      call < 3 ? { error: 'crashed' } : { result: 'third time' },
    );
    const { outcome, steps } = await run([
      {
        id: 'flaky',
        name: 'Flaky',
        skill: 'flaky',
        retry: { maxAttempts: 4, backoffMs: 100, backoffFactor: 3 },
      },
    ]);
    expect(outcome).toMatchObject({ status: 'completed', output: 'third time' });
    expect(steps[0]).toMatchObject({ outcome: 'succeeded', attempts: 3 });
    expect(sleeps).toEqual([100, 300]);
  });

  it('retries timeouts too, and fails with the last error once attempts run out', async () => {
    runtime.define('flaky', () => ({ error: 'timeout', message: 'wall time exceeded' }));
    const { outcome, steps } = await run([
      {
        id: 'slow',
        name: 'Slow',
        skill: 'flaky',
        retry: { maxAttempts: 3, backoffMs: 10, maxBackoffMs: 15 },
      },
    ]);
    expect(runtime.callsTo('flaky')).toHaveLength(3);
    expect(sleeps).toEqual([10, 15]);
    expect(steps[0]).toMatchObject({ outcome: 'failed', attempts: 3, errorCode: 'timeout' });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'timeout', stepId: 'slow' } });
  });

  it('does not retry an error a retry cannot cure (permission_denied)', async () => {
    const { steps } = await run([{ id: 'd', name: 'D', skill: 'denied', retry: { maxAttempts: 5 } }]);
    expect(runtime.callsTo('denied')).toHaveLength(1);
    expect(steps[0]).toMatchObject({ attempts: 1, errorCode: 'permission_denied' });
  });
});

describe('2. the circuit breaker counts the final outcome', () => {
  it('only the last attempt of a retried step may count as a failure', async () => {
    await run([{ id: 'b', name: 'B', skill: 'broken', retry: { maxAttempts: 3, backoffMs: 1 } }]);
    expect(runtime.callsTo('broken').map((call) => call.breakerCountsFailure)).toEqual([false, false, true]);
    // Three failed attempts of one step are one failure to the breaker: its circuit stays closed.
    expect(runtime.breakerFailures('broken')).toBe(1);
  });
});

describe('3. missing skill and open circuit', () => {
  for (const reason of ['missing', 'open'] as const) {
    const prepare = (): void => {
      if (reason === 'missing') runtime.remove('gone');
      else {
        runtime.define('gone', () => ({ result: 'should not run' }));
        runtime.openCircuit('gone');
      }
    };
    const code = reason === 'missing' ? 'skill_not_found' : 'circuit_open';

    it(`${reason}: halt (the default) fails the run with ${code}, without retrying`, async () => {
      prepare();
      const { outcome } = await run([
        { id: 'g', name: 'G', skill: 'gone', retry: { maxAttempts: 3 } },
        { id: 'after', name: 'After', skill: 'echo' },
      ]);
      expect(runtime.callsTo('gone')).toHaveLength(1);
      expect(outcome).toMatchObject({ status: 'failed', error: { code, stepId: 'g' } });
    });

    it(`${reason}: skip passes the step's input through to the next step`, async () => {
      prepare();
      const { outcome, steps } = await run(
        [
          { id: 'g', name: 'G', skill: 'gone', onUnavailable: 'skip' },
          { id: 'after', name: 'After', skill: 'echo' },
        ],
        'untouched',
      );
      expect(steps[0]).toMatchObject({ outcome: 'skipped', errorCode: code, outputSnapshot: 'untouched' });
      expect(outcome).toMatchObject({ status: 'completed', output: 'untouched' });
    });

    // AlexClaw WF-10 QUIRK: the fallback was called directly, skipping breaker, sandbox, token and sanitizer.
    it(`${reason}: fallback runs the fallback skill through the same runtime, and its branch drives routes`, async () => {
      prepare();
      const { outcome, steps } = await run([
        {
          id: 'g',
          name: 'G',
          skill: 'gone',
          onUnavailable: 'fallback',
          fallbackSkill: 'backup',
          routes: { on_success: 'end' },
        },
        { id: 'not_reached', name: 'Not reached', skill: 'echo' },
      ]);
      expect(runtime.callsTo('backup')).toHaveLength(1);
      expect(steps).toHaveLength(1);
      expect(steps[0]).toMatchObject({ outcome: 'fallback', executedSkill: 'backup', branch: 'on_success' });
      expect(outcome).toMatchObject({ status: 'completed', output: 'from backup' });
    });
  }

  it('a fallback whose own circuit is open fails the step (it gets no bypass)', async () => {
    runtime.remove('gone');
    runtime.openCircuit('backup');
    const { outcome } = await run([
      { id: 'g', name: 'G', skill: 'gone', onUnavailable: 'fallback', fallbackSkill: 'backup' },
    ]);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'circuit_open' } });
  });

  it('a skill that fails with an ordinary error is not handed to the fallback', async () => {
    const { outcome } = await run([
      { id: 'b', name: 'B', skill: 'broken', onUnavailable: 'fallback', fallbackSkill: 'backup' },
    ]);
    expect(runtime.callsTo('backup')).toHaveLength(0);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'skill_error' } });
  });
});

describe('4. the on_error route, else the run fails', () => {
  it('an on_error route continues the run with the error as the next input', async () => {
    const { outcome, steps } = await run([
      { id: 'b', name: 'B', skill: 'broken', routes: { on_error: 'handle' } },
      { id: 'skipped', name: 'Skipped', skill: 'echo' },
      { id: 'handle', name: 'Handle', skill: 'handler' },
    ]);
    expect(steps.map((step) => step.stepId)).toEqual(['b', 'handle']);
    expect(steps[0]!.nextStepId).toBe('handle');
    expect(outcome).toMatchObject({
      status: 'completed',
      output: { handled: { error: { code: 'skill_error', message: 'boom', stepId: 'b' } } },
    });
  });

  it('the on_error route is taken only after retries and missing/open handling', async () => {
    runtime.remove('gone');
    const { steps } = await run([
      {
        id: 'g',
        name: 'G',
        skill: 'gone',
        onUnavailable: 'fallback',
        fallbackSkill: 'broken',
        retry: { maxAttempts: 2, backoffMs: 1 },
        routes: { on_error: 'handle' },
      },
      { id: 'handle', name: 'Handle', skill: 'handler' },
    ]);
    // gone: 1 call (not retryable); fallback "broken": retried twice; then on_error.
    expect(runtime.calls.map((call) => call.skill)).toEqual(['gone', 'broken', 'broken', 'handler']);
    expect(steps[0]).toMatchObject({ outcome: 'failed', attempts: 3, nextStepId: 'handle' });
  });

  it('the default route never catches a failure: with no on_error route the run fails', async () => {
    const { outcome, steps } = await run([
      { id: 'b', name: 'B', skill: 'broken', routes: { default: 'next' } },
      { id: 'next', name: 'Next', skill: 'echo' },
    ]);
    expect(steps).toHaveLength(1);
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { code: 'skill_error', message: 'boom', stepId: 'b' },
    });
  });

  // AlexClaw QUIRK: a shell step returning on_error with no routes ended the run "completed".
  it('a skill answering the on_error branch fails the step; with no route the run fails', async () => {
    runtime.define('echo', () => ({ result: { exitCode: 2 }, branch: 'on_error' }));
    const { outcome, steps } = await run([
      { id: 'sh', name: 'Shell', skill: 'echo' },
      { id: 'after', name: 'After', skill: 'handler' },
    ]);
    expect(steps).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'skill_error', stepId: 'sh' } });
    expect(steps[0]!.outputSnapshot).toMatchObject({ error: { result: { exitCode: 2 } } });
  });

  it('a config that no longer fits the skill’s schema fails before the skill runs', async () => {
    const definition = defineWorkflow(
      { name: 'cfg', steps: [{ id: 't', name: 'T', skill: 'typed', config: { url: 'https://x' } }] },
      catalog,
    );
    // The skill is upgraded after the workflow was saved: the config is checked again before it runs.
    catalog.add(
      manifest('typed', { version: '1.1.0', configSchema: { type: 'object', required: ['endpoint'] } }),
    );
    const executor = new WorkflowExecutor({ runtime, catalog, sleep: async () => true });
    const outcome = await executor.execute({
      runId: 'r',
      definition,
      input: null,
      signal: new AbortController().signal,
      hooks: { stepFinished: () => undefined },
    });
    expect(runtime.callsTo('typed')).toHaveLength(0);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'config_invalid' } });
    expect(outcome.status === 'failed' && outcome.error.message).toContain('endpoint');
  });
});

describe('abort', () => {
  it('a cancelled run stops before its next step', async () => {
    const controller = new AbortController();
    runtime.define('cancel_me', () => {
      controller.abort();
      return { result: 'done' };
    });
    catalog.add(manifest('cancel_me'));
    const executor = new WorkflowExecutor({ runtime, catalog, sleep: async () => true });
    const outcome = await executor.execute({
      runId: 'r',
      definition: defineWorkflow(
        {
          name: 'abort',
          steps: [
            { id: 'a', name: 'A', skill: 'cancel_me' },
            { id: 'b', name: 'B', skill: 'echo' },
          ],
        },
        catalog,
      ),
      input: null,
      signal: controller.signal,
      hooks: { stepFinished: () => undefined },
    });
    expect(outcome).toEqual({ status: 'aborted', stepsExecuted: 1 });
    expect(runtime.callsTo('echo')).toHaveLength(0);
  });
});
