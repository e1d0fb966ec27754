import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { startTestNode, type TestNode } from './support/engine.ts';
import { rows } from './support/rows.ts';
import { waitFor } from './support/wait.ts';

// Missed schedule occurrences are recorded and follow the workflow's policy: silently skipped
// schedules are the most reported failure of the peers.

let database: TestDatabase;
let node: TestNode;
const runtime = new ScriptedRuntime().define('echo', () => ({ result: 'ran' }));
const catalog = new ManifestCatalog([manifest('echo')]);

beforeAll(async () => {
  database = await createTestDatabase();
  // The test drives checkMissed with its own clock; the every-minute check would race it.
  node = await startTestNode(database, {
    node: 'solo',
    runtime,
    catalog,
    scheduler: { periodicMissedCheck: false },
  });
});

afterAll(async () => {
  await node?.engine.stop();
  await database?.drop();
});

const MINUTE = 60_000;
/** A fixed minute boundary, so counts do not depend on when the test runs. */
const NOW = new Date(Math.floor(Date.now() / MINUTE) * MINUTE + 30_000);

async function everyMinute(name: string, missedRunPolicy: 'skip' | 'run_once', lastTickMinutesAgo: number) {
  const workflow = await node.engine.service.create({
    name,
    schedule: { cron: '* * * * *', missedRunPolicy },
    steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
  });
  // As if every node had been down since then.
  const lastTick = new Date(Math.floor(NOW.getTime() / MINUTE) * MINUTE - lastTickMinutesAgo * MINUTE);
  await database.pool.query(sql.unsafe`
    UPDATE workflows SET schedule_last_tick_at = ${lastTick.toISOString()} WHERE id = ${workflow.id}`);
  return workflow;
}

async function missedTicks(workflowId: string) {
  const found = await rows(
    database.pool,
    sql.unsafe`
    SELECT scheduled_for, policy, action, run_id FROM workflow_missed_ticks
    WHERE workflow_id = ${workflowId} ORDER BY scheduled_for`,
  );
  return found.map((row) => ({
    at: new Date(Number(row['scheduled_for'])).toISOString(),
    policy: row['policy'],
    action: row['action'],
    runId: row['run_id'],
  }));
}

describe('missed schedule occurrences', () => {
  it('skip: every missed occurrence is recorded as skipped and nothing runs', async () => {
    const workflow = await everyMinute('missed skip', 'skip', 10);
    // NOW is minute M + 30 s; occurrences at least 90 s old and after the last tick: M-9 … M-1.
    expect(await node.engine.scheduler.checkMissed(NOW)).toBe(9);
    const ticks = await missedTicks(workflow.id);
    expect(ticks).toHaveLength(9);
    expect(new Set(ticks.map((tick) => tick.action))).toEqual(new Set(['skipped']));
    expect(await node.engine.runs.list({ workflowId: workflow.id })).toHaveLength(0);
    // Checking again finds nothing new: each occurrence is accounted for once.
    await node.engine.scheduler.checkMissed(NOW);
    expect(await missedTicks(workflow.id)).toHaveLength(9);
  });

  it('run_once: the missed occurrences are recorded, and one run stands for all of them', async () => {
    const workflow = await everyMinute('missed once', 'run_once', 5);
    await node.engine.scheduler.checkMissed(NOW);
    const ticks = await missedTicks(workflow.id);
    expect(ticks).toHaveLength(4); // M-4 … M-1
    expect(new Set(ticks.map((tick) => tick.action))).toEqual(new Set(['caught_up']));
    const runs = await node.engine.runs.list({ workflowId: workflow.id });
    expect(runs).toHaveLength(1);
    expect(ticks.every((tick) => tick.runId === runs[0]!.id)).toBe(true);
    expect(runs[0]).toMatchObject({ trigger: 'schedule' });
    expect(runs[0]!.scheduled_for).toBe(new Date(ticks.at(-1)!.at).getTime());
    await waitFor(
      async () => ((await node.engine.runs.get(runs[0]!.id)).status === 'completed' ? true : undefined),
      'the catch-up run to complete',
    );
  });

  it('a tick after a gap records the occurrences in between, runs once, and ignores a duplicate tick', async () => {
    const workflow = await everyMinute('gap then tick', 'skip', 4);
    const started: string[] = [];
    const create = async (): Promise<string> => {
      started.push('run');
      return `run-${started.length}`;
    };
    const firedAt = new Date(NOW.getTime() + 2_000);
    expect(await node.engine.scheduler.ticks.onTick(workflow.id, firedAt, create)).toBe('run-1');
    expect(await node.engine.scheduler.ticks.onTick(workflow.id, firedAt, create)).toBeUndefined();
    expect(started).toHaveLength(1);
    expect((await missedTicks(workflow.id)).map((tick) => tick.action)).toEqual([
      'skipped',
      'skipped',
      'skipped',
    ]);
  });
});
