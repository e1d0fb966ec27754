import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageLedger } from '../llm/usage.ts';
import { anonymousSession } from '../testing/admin-session.ts';
import { createTestSkillRuntime, type TestSkillRuntime } from '../testing/skill-runtime.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { WorkflowRepository } from '../workflows/repository.ts';
import { RunRepository } from '../workflows/run-repository.ts';
import { ManifestCatalog } from '../workflows/skill-catalog.ts';
import { defineWorkflow, manifest } from '../workflows/testing/definitions.ts';
import { createLogger } from '../logging/logger.ts';
import { activityReport } from './aggregates.ts';
import { rollUpMetrics } from './rollup.ts';
import { SkillCallMeter } from './skill-call-meter.ts';

// Each figure the dashboard plots, produced by the code that does the thing, not written by hand.
let talon: TestApp;
let skills: TestSkillRuntime;
beforeAll(async () => {
  talon = await createTestApp();
  skills = await createTestSkillRuntime();
});
afterAll(async () => {
  await skills?.close();
  await talon?.close();
});

describe('where the plotted figures come from', () => {
  it('counts workflow runs by how they ended, whichever code path ends them', async () => {
    const catalog = new ManifestCatalog([manifest('echo')]);
    const workflow = await new WorkflowRepository(talon.database.pool).create(
      defineWorkflow({ name: 'metrics source', steps: [{ id: 'a', name: 'a', skill: 'echo' }] }, catalog),
    );
    const runs = new RunRepository(talon.database.pool);
    for (const status of ['completed', 'failed'] as const) {
      const id = await runs.create({
        workflowId: workflow.id,
        workflowVersion: 1,
        trigger: 'manual',
        input: null,
        status: 'queued',
      });
      expect(await runs.start(id, 'node-a', `job-${status}`)).toBeDefined();
      const ended = await runs.finish(id, 'node-a', {
        status,
        output: null,
        errorCode: status === 'failed' ? 'skill_error' : null,
        errorMessage: null,
        errorStepId: null,
        stepsExecuted: 1,
      });
      expect(ended).toBe(true);
    }
    const report = await activityReport(talon.database.pool, 1);
    expect(report.runsPerHour.at(-1)).toMatchObject({ completed: 1, failed: 1, cancelled: 0 });
  });

  it('counts wrong admin passwords, not right ones', async () => {
    const visitor = await anonymousSession(talon.app);
    for (const password of ['wrong one', 'wrong two']) {
      const response = await talon.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: visitor.headers,
        payload: { password },
        remoteAddress: '198.51.100.7',
      });
      expect(response.statusCode).toBe(401);
    }
    await rollUpMetrics(talon.database.pool);
    const report = await activityReport(talon.database.pool, 1);
    expect(report.loginFailuresPerHour.at(-1)?.failures).toBe(2);
  });

  it('counts LLM tokens per provider as the router records its usage', async () => {
    const usage = new UsageLedger(talon.database.pool);
    const day = new Date().toISOString().slice(0, 10);
    await usage.record('anthropic', day, { inputTokens: 120, outputTokens: 30, failed: false });
    await usage.record('anthropic', day, { inputTokens: 10, outputTokens: 5, failed: false });
    await usage.record('anthropic', day, { inputTokens: 0, outputTokens: 0, failed: true });
    const report = await activityReport(talon.database.pool, 1);
    expect(report.llmTokensPerDay).toEqual([
      { day, providerId: 'anthropic', provider: 'anthropic', requests: 3, tokens: 165 },
    ]);
  });

  it('counts skill calls with their latency and failures, through the real runtime', async () => {
    await skills.install({ name: 'quick' }, `export default { run({ input }) { return input } }`);
    await skills.install({ name: 'broken' }, `export default { run() { throw new Error('no') } }`);
    const meter = new SkillCallMeter({ pool: talon.database.pool, logger: createLogger('silent') });
    const runtime = meter.wrap(skills.runtime);
    for (let index = 0; index < 3; index++) {
      expect(await runtime.run('quick', { input: index })).toMatchObject({ ok: true });
    }
    expect(await runtime.run('broken', { input: null })).toMatchObject({ ok: false });
    await meter.stop();
    const report = await activityReport(talon.database.pool, 1);
    const bySkill = Object.fromEntries(report.callsPerSkill.map((row) => [row.skill, row]));
    expect(bySkill['quick']).toMatchObject({ calls: 3, failures: 0 });
    expect(bySkill['broken']).toMatchObject({ calls: 1, failures: 1 });
    expect(bySkill['quick']!.p50Ms).toBeGreaterThan(0);
    expect(report.skillLatencyPerHour.at(-1)?.calls).toBe(4);
  });
});
