import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import type { RunRecord } from '@talon/core/workflows/run-repository.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { startTestNode, type TestNode } from './support/engine.ts';
import { RecordingStepUp } from './support/step-up.ts';
import { rows } from './support/rows.ts';
import { waitFor } from './support/wait.ts';

// AlexClaw gated requires_2fa workflows only on chat /run (and only while TOTP was on): scheduler,
// admin and API runs bypassed the flag. Talon asks for a code on every path.

const CODE = '424242';
const NEXT_CODE = '535353';
let database: TestDatabase;
let node: TestNode;
let stepUp: RecordingStepUp;
const runtime = new ScriptedRuntime().define('echo', (input) => ({ result: input }));
const catalog = new ManifestCatalog([manifest('echo')]);

beforeAll(async () => {
  database = await createTestDatabase();
  stepUp = new RecordingStepUp(CODE, NEXT_CODE);
  node = await startTestNode(database, { node: 'solo', runtime, catalog, stepUp, approvalTimeoutSeconds: 1 });
});

afterAll(async () => {
  await node?.engine.stop();
  await database?.drop();
});

const guarded = (name: string, extra: Record<string, unknown> = {}) =>
  node.engine.service.create({
    name,
    requires2fa: true,
    steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
    ...extra,
  });

function ended(runId: string): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await node.engine.runs.get(runId);
    return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  }, `run ${runId} to end`);
}

async function pgBossSchedules(): Promise<string[]> {
  const found = await rows(
    database.pool,
    sql.unsafe`
    SELECT key FROM pgboss.schedule WHERE name = 'talon.workflow-tick'`,
  );
  return found.map((row) => String(row['key']));
}

describe('requires_2fa: manual and API runs', () => {
  it('without a code, the run waits in waiting_2fa and runs once a valid code bound to its version arrives', async () => {
    const workflow = await guarded('guarded manual');
    for (const [trigger, code] of [
      ['manual', CODE],
      ['api', NEXT_CODE],
    ] as const) {
      const run = await node.engine.service.trigger(workflow.id, { trigger, input: trigger, actor: 'admin' });
      expect(run.status).toBe('waiting_2fa');
      await expect(
        node.engine.service.approveRun(run.id, '000000', { actor: 'admin' }),
      ).rejects.toMatchObject({
        code: 'totp_invalid',
      });
      expect((await node.engine.runs.get(run.id)).status).toBe('waiting_2fa');
      const approved = await node.engine.service.approveRun(run.id, code, { actor: 'admin' });
      expect(['queued', 'running', 'completed']).toContain(approved.status);
      expect(await ended(run.id)).toMatchObject({ status: 'completed', output: trigger });
    }
    expect(stepUp.accepted.at(-1)).toEqual({ action: 'workflow.run', target: `${workflow.id}@v1` });
  });

  it('a used code cannot approve another run (no replay)', async () => {
    const workflow = await guarded('guarded replay');
    const first = await node.engine.service.trigger(workflow.id, { trigger: 'manual', actor: 'admin' });
    const second = await node.engine.service.trigger(workflow.id, { trigger: 'manual', actor: 'admin' });
    await node.engine.service.approveRun(first.id, CODE, { actor: 'admin' });
    await expect(node.engine.service.approveRun(second.id, CODE, { actor: 'admin' })).rejects.toMatchObject({
      code: 'totp_invalid',
    });
  });

  it('a code given with the trigger runs at once; a wrong one creates no run', async () => {
    const workflow = await guarded('guarded api');
    await expect(
      node.engine.service.trigger(workflow.id, { trigger: 'api', totpCode: '111111', actor: 'api' }),
    ).rejects.toMatchObject({ code: 'totp_invalid' });
    expect(await node.engine.runs.list({ workflowId: workflow.id })).toHaveLength(0);
    const run = await node.engine.service.trigger(workflow.id, {
      trigger: 'api',
      totpCode: CODE,
      input: 1,
      actor: 'api',
    });
    expect(await ended(run.id)).toMatchObject({ status: 'completed', output: 1 });
  });

  it('a run left waiting past its deadline is cancelled', async () => {
    const workflow = await guarded('guarded timeout');
    const run = await node.engine.service.trigger(workflow.id, { trigger: 'manual', actor: 'admin' });
    const cancelled = await ended(run.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', error_code: 'approval_expired' });
    await expect(node.engine.service.approveRun(run.id, CODE, { actor: 'admin' })).rejects.toMatchObject({
      code: 'run_not_waiting',
    });
  });

  it('a code cannot approve a run after the workflow was edited: the code is bound to the version', async () => {
    const workflow = await guarded('guarded edit');
    const run = await node.engine.service.trigger(workflow.id, { trigger: 'manual', actor: 'admin' });
    // Changing a requires-2FA workflow needs a code of its own (workflows/change-rules.ts).
    await node.engine.service.update(
      workflow.id,
      { name: 'guarded edit', requires2fa: true, steps: [{ id: 'e', name: 'Echo changed', skill: 'echo' }] },
      { actor: 'admin', totpCode: CODE },
    );
    await expect(node.engine.service.approveRun(run.id, CODE, { actor: 'admin' })).rejects.toMatchObject({
      code: 'workflow_changed',
    });
    expect((await node.engine.runs.get(run.id)).status).toBe('cancelled');
  });
});

describe('requires_2fa: schedules', () => {
  it('a schedule fires only once approved with a code; an edit suspends it until approved again', async () => {
    const workflow = await guarded('guarded schedule', { schedule: { cron: '*/5 * * * *' } });
    expect(workflow.scheduleStatus).toBe('awaiting_approval');
    expect(await pgBossSchedules()).not.toContain(workflow.id);

    await expect(
      node.engine.service.approveSchedule(workflow.id, '999999', { actor: 'admin' }),
    ).rejects.toMatchObject({
      code: 'totp_invalid',
    });
    const approved = await node.engine.service.approveSchedule(workflow.id, CODE, { actor: 'admin' });
    expect(approved.scheduleStatus).toBe('active');
    expect(await pgBossSchedules()).toContain(workflow.id);

    const edited = await node.engine.service.update(
      workflow.id,
      {
        name: 'guarded schedule',
        requires2fa: true,
        schedule: { cron: '*/10 * * * *' },
        steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
      },
      { actor: 'admin', totpCode: NEXT_CODE },
    );
    expect(edited.scheduleStatus).toBe('awaiting_approval');
    expect(await pgBossSchedules()).not.toContain(workflow.id);
    expect(stepUp.accepted.slice(-2)).toEqual([
      { action: 'workflow.schedule', target: `${workflow.id}@v1` },
      { action: 'workflow.update', target: `${workflow.id}@v1` },
    ]);
  });

  it('a tick that reaches a suspended schedule starts no run and is recorded as suspended', async () => {
    const workflow = await guarded('guarded tick', { schedule: { cron: '* * * * *' } });
    const tick = new Date();
    const runIds: string[] = [];
    const started = await node.engine.scheduler.ticks.onTick(workflow.id, tick, async () => {
      runIds.push('unexpected');
      return 'unexpected';
    });
    expect(started).toBeUndefined();
    expect(runIds).toHaveLength(0);
    const found = await rows(
      database.pool,
      sql.unsafe`
      SELECT action FROM workflow_missed_ticks WHERE workflow_id = ${workflow.id}`,
    );
    expect(found.map((row) => row['action'])).toEqual(['suspended']);
  });
});
