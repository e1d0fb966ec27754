import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import type { RunRecord } from '@talon/core/workflows/run-repository.ts';
import { WorkflowService } from '@talon/core/workflows/service.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime, type ScriptedAnswer } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { startTestNode, type TestNode } from './support/engine.ts';
import { RecordingStepUp } from './support/step-up.ts';
import { waitFor } from './support/wait.ts';

let database: TestDatabase;
let node: TestNode;
const runtime = new ScriptedRuntime();
const catalog = new ManifestCatalog(['upper', 'gate', 'big'].map((name) => manifest(name)));
const gates: (() => void)[] = [];

runtime
  .define('upper', (input) => ({ result: String(input).toUpperCase() }))
  .define('big', () => ({ result: 'x'.repeat(100_000) }))
  .define(
    'gate',
    (input) => new Promise<ScriptedAnswer>((resolve) => gates.push(() => resolve({ result: input }))),
  );

beforeAll(async () => {
  database = await createTestDatabase();
  node = await startTestNode(database, { node: 'solo', runtime, catalog });
});

afterAll(async () => {
  for (const open of gates.splice(0)) open();
  await node?.engine.stop();
  await database?.drop();
});

function finished(runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await node.engine.runs.get(runId);
    return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  }, `run ${runId} to end`);
}

describe('a run on pg-boss', () => {
  it('queues, executes and records every step with its snapshots', async () => {
    const workflow = await node.engine.service.create({
      name: 'shout twice',
      steps: [
        { id: 'one', name: 'One', skill: 'upper' },
        { id: 'two', name: 'Two', skill: 'upper' },
      ],
    });
    const queued = await node.engine.service.trigger(workflow.id, {
      trigger: 'api',
      input: 'hello',
      actor: 'admin',
    });
    expect(['queued', 'running', 'completed']).toContain(queued.status);
    const run = await finished(queued.id);
    expect(run).toMatchObject({
      status: 'completed',
      output: 'HELLO',
      node: 'solo',
      trigger: 'api',
      workflow_version: 1,
    });
    const steps = await node.engine.runs.steps(run.id);
    expect(steps.map((step) => [step.stepId, step.inputSnapshot, step.outputSnapshot, step.branch])).toEqual([
      ['one', 'hello', 'HELLO', 'on_success'],
      ['two', 'HELLO', 'HELLO', 'on_success'],
    ]);
  });

  it('caps large snapshots in history but keeps the full final output', async () => {
    const workflow = await node.engine.service.create({
      name: 'big output',
      steps: [{ id: 'b', name: 'B', skill: 'big' }],
    });
    const run = await finished(
      (await node.engine.service.trigger(workflow.id, { trigger: 'manual', actor: 'admin' })).id,
    );
    const [step] = await node.engine.runs.steps(run.id);
    expect(step!.outputSnapshot).toMatchObject({ truncated: true, bytes: 100_002 });
    expect(JSON.stringify(step!.outputSnapshot).length).toBeLessThan(20_000);
  });

  it('runs no more than max concurrent runs of a workflow at once; extra triggers wait in the queue', async () => {
    const workflow = await node.engine.service.create({
      name: 'one at a time',
      maxConcurrentRuns: 1,
      steps: [{ id: 'g', name: 'Gate', skill: 'gate' }],
    });
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      ids.push(
        (await node.engine.service.trigger(workflow.id, { trigger: 'api', input: index, actor: 'admin' })).id,
      );
    }
    for (let released = 0; released < 3; released += 1) {
      await waitFor(() => (gates.length > 0 ? true : undefined), 'a run to reach its gate');
      const statuses = await Promise.all(ids.map(async (id) => (await node.engine.runs.get(id)).status));
      expect(statuses.filter((status) => status === 'running')).toHaveLength(1);
      expect(statuses.filter((status) => status === 'queued')).toHaveLength(2 - released);
      gates.shift()!();
    }
    for (const id of ids) expect((await finished(id)).status).toBe('completed');
  });

  it('cancels a running run: it stops before its next step and stays cancelled', async () => {
    const workflow = await node.engine.service.create({
      name: 'cancel me',
      steps: [
        { id: 'g', name: 'Gate', skill: 'gate' },
        { id: 'after', name: 'After', skill: 'upper' },
      ],
    });
    const run = await node.engine.service.trigger(workflow.id, {
      trigger: 'manual',
      input: 'x',
      actor: 'admin',
    });
    await waitFor(() => (gates.length > 0 ? true : undefined), 'the run to reach its gate');
    const cancelled = await node.engine.service.cancelRun(run.id);
    expect(cancelled.status).toBe('cancelled');
    gates.shift()!();
    await waitFor(
      async () => ((await node.engine.runs.steps(run.id)).length === 1 ? true : undefined),
      'the gate step to be recorded',
    );
    expect((await node.engine.runs.get(run.id)).status).toBe('cancelled');
    expect(runtime.callsTo('upper').filter((call) => call.input === 'x')).toHaveLength(0);
    await expect(node.engine.service.cancelRun(run.id)).rejects.toMatchObject({
      code: 'run_not_cancellable',
    });
  });

  it('refuses to run a disabled workflow and creates no run record', async () => {
    const workflow = await node.engine.service.create({ name: 'off', enabled: false, steps: [] });
    await expect(
      node.engine.service.trigger(workflow.id, { trigger: 'api', actor: 'admin' }),
    ).rejects.toMatchObject({
      code: 'workflow_disabled',
    });
    expect(await node.engine.runs.list({ workflowId: workflow.id })).toHaveLength(0);
  });

  it('prunes finished runs by count per workflow and by age, never active ones', async () => {
    const workflow = await node.engine.service.create({
      name: 'prune',
      steps: [{ id: 'u', name: 'U', skill: 'upper' }],
    });
    const ids: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const run = await node.engine.service.trigger(workflow.id, {
        trigger: 'api',
        input: `r${index}`,
        actor: 'admin',
      });
      await finished(run.id);
      ids.push(run.id);
    }
    await database.pool.query(sql.unsafe`
      UPDATE workflow_runs SET finished_at = now() - interval '40 days' WHERE id = ${ids[0]!}`);
    const removed = await node.engine.runs.prune(30, 2);
    const left = (await node.engine.runs.list({ workflowId: workflow.id })).map((run) => run.id);
    expect(left.sort()).toEqual([ids[2]!, ids[3]!].sort());
    expect(removed).toBeGreaterThanOrEqual(2);
  });

  it('a run whose job cannot be queued is failed, not left queued', async () => {
    const broken = new WorkflowService({
      workflows: node.engine.workflows,
      runs: node.engine.runs,
      catalog,
      scheduler: {
        enqueue: async () => {
          throw new Error('pg-boss is unreachable');
        },
        cancel: async () => undefined,
        expireApprovalAt: async () => undefined,
        syncSchedule: async () => undefined,
        removeSchedule: async () => undefined,
      },
      stepUp: new RecordingStepUp(),
      events: node.engine.events,
      approvalTimeoutSeconds: () => 120,
    });
    const workflow = await broken.create({
      name: 'unqueueable',
      steps: [{ id: 'u', name: 'U', skill: 'upper' }],
    });
    await expect(broken.trigger(workflow.id, { trigger: 'api', actor: 'admin' })).rejects.toThrow(
      'unreachable',
    );
    const [run] = await node.engine.runs.list({ workflowId: workflow.id });
    expect(run).toMatchObject({ status: 'failed', error_code: 'enqueue_failed' });
  });
});
