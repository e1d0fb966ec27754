import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@talon/core/logging/logger.ts';
import type { SkillManifest, SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { createTestSkillRuntime, type TestSkillRuntime } from '@talon/core/testing/skill-runtime.ts';
import { testPackage } from '@talon/skill-runtime/testing/memory-runtime.ts';
import { createWorkflowEngine, type WorkflowEngine } from '@talon/core/workflows/engine.ts';
import { InstalledSkills } from '@talon/core/workflows/installed-skills.ts';
import type { RunRecord } from '@talon/core/workflows/run-repository.ts';
import { RecordingStepUp } from './support/step-up.ts';
import { waitFor } from './support/wait.ts';

// Workflows running real skills in the real sandbox (worker processes, isolates, grants, breaker).

let sandbox: TestSkillRuntime;
let runtime: SkillRuntime;
let engine: WorkflowEngine;
const installed = new InstalledSkills();

const install = (manifest: Partial<SkillManifest> & { name: string }, code: string) =>
  runtime.install(testPackage(manifest, code));

beforeAll(async () => {
  sandbox = await createTestSkillRuntime({
    limits: { defaultCpuTimeoutMs: 300, defaultWallTimeoutMs: 2000, defaultMemoryMb: 32 },
  });
  runtime = installed.track(sandbox.runtime);
  await install(
    { name: 'split_words', routes: ['on_items', 'on_empty', 'on_error'] },
    `export default { run({ input }) {
       const words = String(input ?? '').split(/\\s+/).filter(Boolean);
       return { result: words, branch: words.length ? 'on_items' : 'on_empty' };
     } }`,
  );
  await install(
    { name: 'count_items' },
    `export default { run({ input }) { return { count: input.length } } }`,
  );
  await install(
    {
      name: 'describe_count',
      configSchema: { type: 'object', required: ['unit'], properties: { unit: { type: 'string' } } },
    },
    `export default { run({ input, config }) { return input.count + ' ' + config.unit } }`,
  );
  await install({ name: 'nothing_found' }, `export default { run() { return 'nothing to count' } }`);
  await install({ name: 'spin' }, `export default { run() { for (;;) {} } }`);
  await install(
    { name: 'report_error' },
    `export default { run({ input }) { return { reported: input.error.code } } }`,
  );
  await install({ name: 'always_fails' }, `export default { run() { throw new Error('upstream is down') } }`);
  // A fallback that reaches for the network without the http grant.
  await install(
    { name: 'sneaky_fallback' },
    `export default { async run({ api }) { return await api.http.fetch('https://example.com/') } }`,
  );
  engine = createWorkflowEngine({
    databaseUrl: sandbox.database.url,
    pool: sandbox.database.pool,
    logger: createLogger('silent'),
    node: 'sandbox-node',
    runtime,
    catalog: installed,
    stepUp: new RecordingStepUp(),
    scheduler: { periodicMissedCheck: false },
  });
  await engine.start();
}, 120_000);

afterAll(async () => {
  await engine?.stop();
  await sandbox?.close();
});

async function runToEnd(definition: Record<string, unknown>, input: unknown): Promise<RunRecord> {
  const workflow = await engine.service.create(definition);
  const run = await engine.service.trigger(workflow.id, {
    trigger: 'api',
    input: input as never,
    actor: 'admin',
  });
  return waitFor(async () => {
    const current = await engine.runs.get(run.id);
    return ['completed', 'failed', 'cancelled'].includes(current.status) ? current : undefined;
  }, 'the run to end');
}

const COUNTER = (name: string) => ({
  name,
  steps: [
    { id: 'split', name: 'Split', skill: 'split_words', routes: { on_empty: 'empty' } },
    { id: 'count', name: 'Count', skill: 'count_items' },
    {
      id: 'describe',
      name: 'Describe',
      skill: 'describe_count',
      config: { unit: 'words' },
      routes: { on_success: 'end' },
    },
    { id: 'empty', name: 'Nothing', skill: 'nothing_found' },
  ],
});

describe('workflows on the real sandbox', () => {
  it('runs a branching workflow of sandboxed skills and records the path taken', async () => {
    const counted = await runToEnd(COUNTER('count words'), 'the quick brown fox');
    expect(counted).toMatchObject({ status: 'completed', output: '4 words' });
    const steps = await engine.runs.steps(counted.id);
    expect(steps.map((step) => [step.stepId, step.branch])).toEqual([
      ['split', 'on_items'],
      ['count', 'on_success'],
      ['describe', 'on_success'],
    ]);

    const empty = await runToEnd(COUNTER('count nothing'), '   ');
    expect(empty).toMatchObject({ status: 'completed', output: 'nothing to count' });
    expect((await engine.runs.steps(empty.id)).map((step) => step.stepId)).toEqual(['split', 'empty']);
  });

  it('a hung skill times out in the sandbox, is retried, then takes the on_error route', async () => {
    const run = await runToEnd(
      {
        name: 'spinner',
        steps: [
          {
            id: 'spin',
            name: 'Spin',
            skill: 'spin',
            retry: { maxAttempts: 2, backoffMs: 10 },
            routes: { on_error: 'report' },
          },
          { id: 'report', name: 'Report', skill: 'report_error' },
        ],
      },
      null,
    );
    expect(run).toMatchObject({ status: 'completed', output: { reported: 'timeout' } });
    const [spin] = await engine.runs.steps(run.id);
    expect(spin).toMatchObject({
      outcome: 'failed',
      errorCode: 'timeout',
      attempts: 2,
      nextStepId: 'report',
    });
  });

  it('with the circuit open, the fallback runs in the sandbox under its own grants (no bypass)', async () => {
    for (let index = 0; index < 3; index += 1) await runtime.run('always_fails', { input: null });
    expect(runtime.status('always_fails')?.breaker.state).toBe('open');
    const run = await runToEnd(
      {
        name: 'fallback on open circuit',
        steps: [
          {
            id: 'call',
            name: 'Call',
            skill: 'always_fails',
            onUnavailable: 'fallback',
            fallbackSkill: 'sneaky_fallback',
          },
        ],
      },
      null,
    );
    expect(run).toMatchObject({ status: 'failed', error_code: 'permission_denied', error_step_id: 'call' });
    expect(run.error_message).toContain('circuit_open for always_fails');
  });

  it('a missing skill with skip passes its input on; the installed-skills catalog follows uninstall', async () => {
    await install({ name: 'short_lived' }, `export default { run() { return 'unused' } }`);
    const workflow = await engine.service.create({
      name: 'skip missing',
      steps: [
        { id: 'gone', name: 'Gone', skill: 'short_lived', onUnavailable: 'skip' },
        { id: 'count', name: 'Count', skill: 'count_items' },
      ],
    });
    await runtime.uninstall('short_lived');
    expect(installed.describe('short_lived')).toBeUndefined();
    const run = await engine.service.trigger(workflow.id, {
      trigger: 'api',
      input: ['a', 'b'],
      actor: 'admin',
    });
    const done = await waitFor(async () => {
      const current = await engine.runs.get(run.id);
      return current.status === 'completed' ? current : undefined;
    }, 'the run to complete');
    expect(done.output).toEqual({ count: 2 });
    const [skipped] = await engine.runs.steps(run.id);
    expect(skipped).toMatchObject({ outcome: 'skipped', errorCode: 'skill_not_found' });
  });
});
