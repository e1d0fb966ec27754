import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PgBoss } from 'pg-boss';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICK_QUEUE } from '@talon/core/scheduler/queues.ts';
import { PGBOSS_SCHEMA } from '@talon/core/scheduler/workflow-scheduler.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import type { RunRecord } from '@talon/core/workflows/run-repository.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime, type ScriptedAnswer } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { startTestNode, type TestNode } from './support/engine.ts';
import { waitFor } from './support/wait.ts';

// Two Talon nodes (two engines, two pg-boss instances) on one database, plus a third in its own
// process that gets killed.

let database: TestDatabase;
let nodeA: TestNode;
let nodeB: TestNode;
let child: ChildProcess | undefined;
const gates: (() => void)[] = [];
let waitingAtRendezvous = 0;
let releaseRendezvous: (() => void) | undefined;
const rendezvousReached = new Promise<void>((resolve) => (releaseRendezvous = resolve));

const runtime = new ScriptedRuntime()
  .define('echo', (input) => ({ result: input }))
  // In this process `hang` answers; only the child node C's `hang` never does.
  .define('hang', () => ({ result: 'recovered' }))
  .define(
    'gate',
    (input) => new Promise<ScriptedAnswer>((resolve) => gates.push(() => resolve({ result: input }))),
  )
  // Answers only once two runs are inside it at the same time.
  .define('rendezvous', async (input) => {
    waitingAtRendezvous += 1;
    if (waitingAtRendezvous === 2) releaseRendezvous!();
    await rendezvousReached;
    return { result: input };
  });
const catalog = new ManifestCatalog(['echo', 'gate', 'rendezvous', 'hang'].map((name) => manifest(name)));

beforeAll(async () => {
  database = await createTestDatabase();
  // One run at a time per node: two runs in flight at once means both nodes execute.
  nodeA = await startTestNode(database, {
    node: 'node-a',
    runtime,
    catalog,
    scheduler: { runConcurrency: 1 },
  });
  nodeB = await startTestNode(database, {
    node: 'node-b',
    runtime,
    catalog,
    scheduler: { runConcurrency: 1 },
  });
});

afterAll(async () => {
  child?.kill('SIGKILL');
  for (const open of gates.splice(0)) open();
  await nodeA?.engine.stop();
  await nodeB?.engine.stop();
  await database?.drop();
});

function until(node: TestNode, runId: string, statuses: string[]): Promise<RunRecord> {
  return waitFor(
    async () => {
      const run = await node.engine.runs.get(runId);
      return statuses.includes(run.status) ? run : undefined;
    },
    `run ${runId} to be ${statuses.join(' or ')}`,
  );
}

describe('two nodes on one database', () => {
  it('both nodes execute runs', async () => {
    const workflow = await nodeA.engine.service.create({
      name: 'spread',
      maxConcurrentRuns: 2,
      steps: [{ id: 'r', name: 'Rendezvous', skill: 'rendezvous' }],
    });
    const first = await nodeA.engine.service.trigger(workflow.id, {
      trigger: 'api',
      input: 1,
      actor: 'admin',
    });
    const second = await nodeB.engine.service.trigger(workflow.id, {
      trigger: 'api',
      input: 2,
      actor: 'admin',
    });
    const done = await Promise.all([
      until(nodeA, first.id, ['completed']),
      until(nodeA, second.id, ['completed']),
    ]);
    expect(new Set(done.map((run) => run.node))).toEqual(new Set(['node-a', 'node-b']));
  });

  it(
    'SIGTERM hands an unfinished run back, and the other node runs it from its first step',
    { timeout: 90_000 },
    async () => {
      const workflow = await nodeA.engine.service.create({
        name: 'handed back',
        nodePin: null,
        steps: [
          { id: 'first', name: 'First', skill: 'echo' },
          { id: 'g', name: 'Gate', skill: 'gate' },
        ],
      });
      // Node B is busy with its own gate, so node A takes the run.
      const blocker = await nodeA.engine.service.create({
        name: 'blocker',
        steps: [{ id: 'g', name: 'Gate', skill: 'gate' }],
      });
      const blockRun = await nodeB.engine.service.trigger(blocker.id, { trigger: 'api', actor: 'admin' });
      await waitFor(() => (gates.length === 1 ? true : undefined), 'the blocker to hold one node');
      const run = await nodeA.engine.service.trigger(workflow.id, {
        trigger: 'api',
        input: 'x',
        actor: 'admin',
      });
      await waitFor(() => (gates.length === 2 ? true : undefined), 'the run to reach its gate');
      const holder = (await nodeA.engine.runs.get(run.id)).node;
      const stopping = holder === 'node-a' ? nodeA : nodeB;
      const staying = holder === 'node-a' ? nodeB : nodeA;
      const blockerHolder = (await nodeA.engine.runs.get(blockRun.id)).node;
      expect(blockerHolder).not.toBe(holder);

      // The node stops; its grace period ends with the run still at its gate: handed back.
      const stopped = stopping.engine.stop();
      await waitFor(
        async () => ((await nodeA.engine.runs.get(run.id)).status === 'queued' ? true : undefined),
        'hand back',
      );
      await stopped;
      gates.splice(0).forEach((open) => open()); // frees the blocker and the old gate call
      await until(staying, blockRun.id, ['completed']);
      await waitFor(() => (gates.length > 0 ? true : undefined), 'the run to restart on the other node');
      gates.splice(0).forEach((open) => open());
      const finished = await until(staying, run.id, ['completed']);
      expect(finished.node).toBe(staying === nodeA ? 'node-a' : 'node-b');
      expect((await staying.engine.runs.steps(run.id)).map((step) => step.stepId)).toEqual(['first', 'g']);
      // Restart the stopped node for the tests after this one.
      const restarted = await startTestNode(database, {
        node: holder!,
        runtime,
        catalog,
        scheduler: { runConcurrency: 1 },
      });
      if (stopping === nodeA) nodeA = restarted;
      else nodeB = restarted;
    },
  );

  async function startNodeC(): Promise<ChildProcess> {
    const started = spawn(
      process.execPath,
      [fileURLToPath(new URL('./support/node-process.ts', import.meta.url))],
      {
        env: { ...process.env, DATABASE_URL: database.url, NODE_NAME: 'node-c' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [line] = (await once(started.stdout!, 'data')) as [Buffer];
    expect(line.toString()).toContain('ready');
    return started;
  }

  it('a killed node’s run does not stay running: its lease lapses and it fails with node_lost', async () => {
    child = await startNodeC();
    const workflow = await nodeA.engine.service.create({
      name: 'on node c',
      nodePin: 'node-c',
      steps: [{ id: 'h', name: 'Hang', skill: 'hang' }],
    });
    const run = await nodeA.engine.service.trigger(workflow.id, { trigger: 'api', actor: 'admin' });
    const running = await until(nodeA, run.id, ['running']);
    expect(running.node).toBe('node-c');

    child.kill('SIGKILL');
    const lost = await until(nodeA, run.id, ['failed']);
    expect(lost).toMatchObject({ status: 'failed', error_code: 'node_lost' });
  }, 120_000);

  it('with retryOnNodeLost, a killed node’s run starts again on a node that is up', async () => {
    // Nodes A and B are each busy with a gate run, so only the child node C can take the next run.
    const busy = await nodeA.engine.service.create({
      name: 'busy',
      maxConcurrentRuns: 2,
      steps: [{ id: 'g', name: 'Gate', skill: 'gate' }],
    });
    await nodeA.engine.service.trigger(busy.id, { trigger: 'api', actor: 'admin' });
    await nodeA.engine.service.trigger(busy.id, { trigger: 'api', actor: 'admin' });
    await waitFor(() => (gates.length === 2 ? true : undefined), 'nodes A and B to be busy');
    child = await startNodeC();
    const workflow = await nodeA.engine.service.create({
      name: 'retry when lost',
      retryOnNodeLost: true,
      steps: [{ id: 'h', name: 'Hang (only on node C)', skill: 'hang' }],
    });
    const run = await nodeA.engine.service.trigger(workflow.id, { trigger: 'api', actor: 'admin' });
    expect((await until(nodeA, run.id, ['running'])).node).toBe('node-c');

    child.kill('SIGKILL');
    await waitFor(
      async () => ((await nodeA.engine.runs.get(run.id)).status === 'queued' ? true : undefined),
      'requeue',
    );
    gates.splice(0).forEach((open) => open());
    const finished = await until(nodeA, run.id, ['completed', 'failed']);
    expect(finished).toMatchObject({ status: 'completed', output: 'recovered' });
    expect(['node-a', 'node-b']).toContain(finished.node);
  }, 120_000);

  it('a schedule fires once per occurrence with two nodes up, even when a tick reaches both', async () => {
    const workflow = await nodeA.engine.service.create({
      name: 'every minute',
      schedule: { cron: '* * * * *' },
      steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
    });
    // Not in a minute's last seconds, so the ticks below are all taken in the minute they are sent.
    const leftOfMinute = 60_000 - (Date.now() % 60_000);
    if (leftOfMinute < 5_000) await new Promise((resolve) => setTimeout(resolve, leftOfMinute + 100));
    // As if the schedule had been on since the minute before: this minute's occurrence is owed.
    await database.pool.query(sql.unsafe`
      UPDATE workflows SET schedule_last_tick_at = date_trunc('minute', now()) - interval '1 minute'
      WHERE id = ${workflow.id}`);
    // The tick of this minute's occurrence delivered four times at once, as pg-boss would if every
    // node's cron pass sent it: the workers of both nodes take them, and one run must come of it.
    const boss = new PgBoss({
      connectionString: database.url,
      schema: PGBOSS_SCHEMA,
      supervise: false,
      schedule: false,
      migrate: false,
      registerInstance: false,
    });
    await boss.start();
    try {
      const ids = await Promise.all(
        [1, 2, 3, 4].map(() => boss.send(TICK_QUEUE, { workflowId: workflow.id })),
      );
      await waitFor(async () => {
        const jobs = await boss.findJobs(TICK_QUEUE, { data: { workflowId: workflow.id } });
        const done = jobs.filter((job) => ids.includes(job.id) && job.state === 'completed');
        return done.length === ids.length ? true : undefined;
      }, 'the four duplicate ticks to be handled');
    } finally {
      await boss.stop({ graceful: false });
    }
    // Then pg-boss's own cron fires the next occurrence (supervision runs every second here, so it
    // comes within a second or two of the minute): by then a duplicate of either would exist too.
    const runs = await waitFor(
      async () => {
        const found = await nodeA.engine.runs.list({ workflowId: workflow.id });
        const occurrences = new Set(found.map((run) => run.scheduled_for));
        return occurrences.size >= 2 ? found : undefined;
      },
      'two schedule occurrences',
      75_000,
      250,
    );
    const perOccurrence = new Map<number | null, number>();
    for (const run of runs)
      perOccurrence.set(run.scheduled_for, (perOccurrence.get(run.scheduled_for) ?? 0) + 1);
    expect([...perOccurrence.values()].every((count) => count === 1)).toBe(true);
    expect(runs.every((run) => run.trigger === 'schedule')).toBe(true);
  }, 100_000);
});
