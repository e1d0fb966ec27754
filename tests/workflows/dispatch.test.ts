import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import type { RunRecord } from '@talon/core/workflows/run-repository.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime, type ScriptedAnswer } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { startTestNode, type TestNode } from './support/engine.ts';
import { rows } from './support/rows.ts';
import { waitFor } from './support/wait.ts';

// How runs are dispatched (core/src/workflows/README.md): batched writes, the fast path that starts
// a run on the node that received it, and what happens to fast-path runs when that node dies.

let database: TestDatabase;
let node: TestNode;
let child: ChildProcess | undefined;
const gates: (() => void)[] = [];
const runtime = new ScriptedRuntime()
  .define('echo', (input) => ({ result: input }))
  // In this process `hang` answers; only the child node's `hang` never does.
  .define('hang', () => ({ result: 'recovered' }))
  .define(
    'gate',
    (input) => new Promise<ScriptedAnswer>((resolve) => gates.push(() => resolve({ result: input }))),
  );
const catalog = new ManifestCatalog(['echo', 'gate', 'hang'].map((name) => manifest(name)));
const CAPACITY = 4;

beforeAll(async () => {
  database = await createTestDatabase();
  node = await startTestNode(database, {
    node: 'node-a',
    runtime,
    catalog,
    scheduler: { runConcurrency: CAPACITY },
  });
});

afterAll(async () => {
  child?.kill('SIGKILL');
  for (const open of gates.splice(0)) open();
  await node?.engine.stop();
  await database?.drop();
});

function until(runId: string, statuses: string[]): Promise<RunRecord> {
  return waitFor(
    async () => {
      const run = await node.engine.runs.get(runId);
      return statuses.includes(run.status) ? run : undefined;
    },
    `run ${runId} to be ${statuses.join(' or ')}`,
  );
}

async function jobStates(runIds: readonly string[]): Promise<string[]> {
  const found = await rows(
    database.pool,
    sql.unsafe`SELECT state::text AS state FROM pgboss.job WHERE data->>'runId' = ANY(${sql.array(runIds, 'text')})`,
  );
  return found.map((row) => String(row['state']));
}

describe('dispatching runs', () => {
  it('runs triggered together are written in batches, all persisted with their history and jobs', async () => {
    const workflow = await node.engine.service.create({
      name: 'many at once',
      maxConcurrentRuns: 50,
      // Held until every trigger has answered: a run finishing early would free a slot mid-batch.
      steps: [{ id: 'g', name: 'Gate', skill: 'gate' }],
    });
    const triggered = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        node.engine.service.trigger(workflow.id, { trigger: 'api', input: index, actor: 'admin' }),
      ),
    );
    // The node had CAPACITY slots: those runs started here at once, the rest were queued.
    expect(triggered.filter((run) => run.status === 'running').length).toBeLessThanOrEqual(CAPACITY);
    expect(triggered.filter((run) => run.status === 'running').length).toBeGreaterThan(0);
    // One transaction per batch: runs of a batch share their creation time.
    expect(new Set(triggered.map((run) => run.created_at)).size).toBeLessThan(triggered.length);

    const opener = setInterval(() => gates.splice(0).forEach((open) => open()), 10);
    const done = await Promise.all(triggered.map((run) => until(run.id, ['completed', 'failed']))).finally(
      () => clearInterval(opener),
    );
    expect(done.map((run) => [run.status, run.output])).toEqual(
      triggered.map((_, index) => ['completed', index]),
    );
    for (const run of triggered) {
      expect((await node.engine.runs.steps(run.id)).map((step) => step.outputSnapshot)).toEqual([run.input]);
    }
    await waitFor(
      async () =>
        (await jobStates(triggered.map((run) => run.id))).every((s) => s === 'completed') ? true : undefined,
      'every run job to be completed',
    );
    expect(await jobStates(triggered.map((run) => run.id))).toHaveLength(triggered.length);
  });

  it('triggers of several workflows at once, one of them unknown, each get their own answer', async () => {
    const first = await node.engine.service.create({
      name: 'first of two',
      steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
    });
    const second = await node.engine.service.create({
      name: 'second of two',
      steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
    });
    const trigger = (id: string) =>
      node.engine.service.trigger(id, { trigger: 'api', input: id, actor: 'admin' });
    const unknown = '00000000-0000-4000-8000-000000000000';
    const results = await Promise.allSettled([trigger(first.id), trigger(unknown), trigger(second.id)]);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'workflow_not_found' } });
    const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(started.map((run) => [run.workflow_id, run.workflow_name, run.input])).toEqual([
      [first.id, 'first of two', first.id],
      [second.id, 'second of two', second.id],
    ]);
    for (const run of started)
      expect((await until(run.id, ['completed', 'failed'])).output).toBe(run.workflow_id);
  });

  it('the fast path keeps a workflow’s max concurrent runs; the rest wait in the queue', async () => {
    const workflow = await node.engine.service.create({
      name: 'two at a time',
      maxConcurrentRuns: 2,
      steps: [{ id: 'g', name: 'Gate', skill: 'gate' }],
    });
    const triggered = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        node.engine.service.trigger(workflow.id, { trigger: 'api', input: index, actor: 'admin' }),
      ),
    );
    expect(triggered.filter((run) => run.status === 'running')).toHaveLength(2);
    for (let released = 0; released < 5; released += 1) {
      await waitFor(() => (gates.length > 0 ? true : undefined), 'a run to reach its gate');
      const statuses = await Promise.all(
        triggered.map(async (run) => (await node.engine.runs.get(run.id)).status),
      );
      expect(statuses.filter((status) => status === 'running').length).toBeLessThanOrEqual(2);
      gates.shift()!();
    }
    for (const run of triggered)
      expect((await until(run.id, ['completed', 'failed'])).status).toBe('completed');
  });

  it('two nodes taking a workflow’s last slots at the same moment never run more than its limit', async () => {
    const other = await startTestNode(database, {
      node: 'node-b',
      runtime,
      catalog,
      scheduler: { runConcurrency: CAPACITY },
    });
    try {
      const workflow = await node.engine.service.create({
        name: 'two at a time, two nodes',
        maxConcurrentRuns: 2,
        steps: [{ id: 'g', name: 'Gate', skill: 'gate' }],
      });
      const trigger = (on: TestNode, input: number) =>
        on.engine.service.trigger(workflow.id, { trigger: 'api', input, actor: 'admin' });
      // Each node has free slots for all of them: only the workflow's limit holds them back.
      const triggered = await Promise.all(
        Array.from({ length: 6 }, (_, index) => trigger(index % 2 === 0 ? node : other, index)),
      );
      // The gate holds the two that started: nothing else can have taken a slot meanwhile.
      expect(triggered.filter((run) => run.status === 'running')).toHaveLength(2);
      expect((await jobStates(triggered.map((run) => run.id))).sort()).toEqual([
        'active',
        'active',
        'created',
        'created',
        'created',
        'created',
      ]);
      const opener = setInterval(() => gates.splice(0).forEach((open) => open()), 10);
      const done = await Promise.all(triggered.map((run) => until(run.id, ['completed', 'failed']))).finally(
        () => clearInterval(opener),
      );
      expect(done.map((run) => run.output)).toEqual(triggered.map((_, index) => index));
    } finally {
      for (const open of gates.splice(0)) open();
      await other.engine.stop();
    }
  });

  it('a trigger runs the version saved last, even when another node saved it', async () => {
    const other = await startTestNode(database, { node: 'node-b', runtime, catalog });
    try {
      const workflow = await node.engine.service.create({
        name: 'edited elsewhere',
        steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
      });
      const run = (input: string) =>
        node.engine.service.trigger(workflow.id, { trigger: 'api', input, actor: 'admin' });
      const first = await until((await run('v1')).id, ['completed', 'failed']);
      expect(first).toMatchObject({ workflow_version: 1, status: 'completed', output: 'v1' });

      // This node saw version 1; the other one saves version 2 (another skill) behind its back.
      await other.engine.service.update(workflow.id, {
        name: 'edited elsewhere',
        steps: [{ id: 'h', name: 'Hang', skill: 'hang' }],
      });
      const second = await until((await run('v2')).id, ['completed', 'failed']);
      expect(second).toMatchObject({ workflow_version: 2, status: 'completed', output: 'recovered' });
      expect((await node.engine.runs.steps(second.id)).map((step) => step.skill)).toEqual(['hang']);

      await other.engine.service.update(workflow.id, {
        name: 'edited elsewhere',
        enabled: false,
        steps: [{ id: 'h', name: 'Hang', skill: 'hang' }],
      });
      await expect(run('v3')).rejects.toMatchObject({ code: 'workflow_disabled' });

      await other.engine.service.update(workflow.id, {
        name: 'edited elsewhere',
        steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
      });
      await until((await run('v4')).id, ['completed']);
      // One run per trigger that was accepted, each of the version current at the time.
      const runs = await node.engine.runs.list({ workflowId: workflow.id });
      expect(runs.map((r) => [r.workflow_version, r.input])).toEqual([
        [4, 'v4'],
        [2, 'v2'],
        [1, 'v1'],
      ]);
      await other.engine.service.delete(workflow.id);
      await expect(run('v5')).rejects.toMatchObject({ code: 'workflow_not_found' });
    } finally {
      await other.engine.stop();
    }
  });

  it('with workflows.async_run_start on, runs start and end as before, their history complete', async () => {
    const relaxed = await startTestNode(database, {
      node: 'node-async',
      runtime,
      catalog,
      scheduler: { runConcurrency: 2, asyncRunStart: () => true },
    });
    try {
      const workflow = await relaxed.engine.service.create({
        name: 'started without waiting for the disk',
        maxConcurrentRuns: 50,
        steps: [
          { id: 'a', name: 'First', skill: 'echo' },
          { id: 'b', name: 'Second', skill: 'echo' },
        ],
      });
      // Two slots: some start here at once, the others are queued (a batch with those waits for the disk).
      const triggered = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          relaxed.engine.service.trigger(workflow.id, { trigger: 'api', input: index, actor: 'admin' }),
        ),
      );
      expect(triggered.some((run) => run.status === 'running')).toBe(true);
      for (const [index, run] of triggered.entries()) {
        expect(await until(run.id, ['completed', 'failed'])).toMatchObject({
          status: 'completed',
          output: index,
        });
        expect((await relaxed.engine.runs.steps(run.id)).map((step) => step.outputSnapshot)).toEqual([
          index,
          index,
        ]);
      }
    } finally {
      await relaxed.engine.stop();
    }
  });

  it(
    'a node killed with runs in its fast path: they end node_lost, or start again elsewhere with retryOnNodeLost',
    { timeout: 120_000 },
    async () => {
      const lost = await node.engine.service.create({
        name: 'lost with its node',
        steps: [{ id: 'h', name: 'Hang', skill: 'hang' }],
        maxConcurrentRuns: 3,
      });
      const retried = await node.engine.service.create({
        name: 'retried elsewhere',
        retryOnNodeLost: true,
        steps: [{ id: 'h', name: 'Hang', skill: 'hang' }],
      });
      child = spawn(
        process.execPath,
        [fileURLToPath(new URL('./support/node-process.ts', import.meta.url))],
        {
          env: { ...process.env, DATABASE_URL: database.url, NODE_NAME: 'node-c' },
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      const lines = createInterface({ input: child.stdout! });
      const next = async (): Promise<string> => ((await once(lines, 'line')) as [string])[0];
      expect(await next()).toContain('ready');

      child.stdin!.write(`trigger ${lost.id} 3\n`);
      const lostIds = JSON.parse(await next()) as string[];
      child.stdin!.write(`trigger ${retried.id} 1\n`);
      const [retriedId] = JSON.parse(await next()) as string[];
      const all = [...lostIds, retriedId!];
      // Started on the receiving node at once: running there, their jobs claimed (never queued).
      for (const id of all)
        expect(await node.engine.runs.get(id)).toMatchObject({ status: 'running', node: 'node-c' });
      expect(await jobStates(all)).toEqual(all.map(() => 'active'));

      child.kill('SIGKILL');
      for (const id of lostIds) {
        expect(await until(id, ['failed', 'completed'])).toMatchObject({
          status: 'failed',
          error_code: 'node_lost',
        });
      }
      const again = await until(retriedId!, ['failed', 'completed']);
      expect(again).toMatchObject({ status: 'completed', output: 'recovered', node: 'node-a' });
    },
  );
});
