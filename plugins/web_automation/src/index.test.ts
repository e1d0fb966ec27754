import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fail, loadSkill, type LoadedSkill } from '@talon/plugins-sdk/testing';

let skill: LoadedSkill;

beforeAll(async () => {
  skill = await loadSkill(new URL('..', import.meta.url), { core: true });
});
afterAll(async () => {
  await skill.close();
});

const report = (over: Record<string, unknown> = {}) => ({
  runId: '6f1e0c1e-8a3b-4c2d-9e4f-0a1b2c3d4e5f',
  recipe: 'monthly-report',
  status: 'succeeded',
  error: null,
  durationMs: 1856,
  steps: [{}, {}, {}],
  downloads: [
    { kind: 'downloads', name: 'monthly_report.csv', bytes: 65536, sha256: 'ab', url: '/api/automations/runs/x/files/downloads/monthly_report.csv' },
  ],
  screenshots: [],
  data: [{ step: 2, name: 'totals', headers: ['Month', 'Total'], rows: [['January', '12']], truncated: false }],
  blockedRequests: [],
  notes: [],
  ...over,
}); // prettier-ignore

describe('web_automation', () => {
  it("replays the step's recipe with its parameters and says what it got, on_success", async () => {
    skill.api.respond('automation.run', report());
    const outcome = await skill.run({ input: 'ignored', config: { recipe: 'monthly-report', parameters: { month: '2026-11' } } });
    expect(skill.api.callsOf('automation.run').at(-1)?.args).toEqual(['monthly-report', { month: '2026-11' }]);
    expect(outcome).toMatchObject({
      ok: true,
      branch: 'on_success',
      result:
        'Replayed monthly-report: succeeded in 1.9 s (3 steps).\n' +
        '1 file downloaded: monthly_report.csv (65536 bytes)\n' +
        'Table totals: 2 columns, 1 rows',
    });
  }); // prettier-ignore

  it('takes the recipe from a string input and gives the whole report with output: object', async () => {
    skill.api.respond('automation.run', report());
    const outcome = await skill.run({ input: 'monthly-report', config: { output: 'object' } });
    expect(skill.api.callsOf('automation.run').at(-1)?.args).toEqual(['monthly-report', {}]);
    expect(outcome).toMatchObject({ ok: true, branch: 'on_success', result: { downloads: [{ name: 'monthly_report.csv' }] } });
  }); // prettier-ignore

  it('routes a step that ran out of time to on_timeout and any other failure to on_error, with the reason', async () => {
    skill.api.respond('automation.run', report({ status: 'failed', error: { code: 'step_timeout', message: 'Step 2 took longer than 5000 ms', step: 1 } }));
    expect(await skill.run({ input: 'monthly-report' })).toMatchObject({
      ok: true,
      branch: 'on_timeout',
      result: expect.stringContaining('failed at step 2 (step_timeout): Step 2 took longer than 5000 ms'),
    });
    const reason = 'localhost:8080 is not on the recipe\'s allowlist (allowedDomains)';
    skill.api.respond('automation.run', report({ status: 'failed', error: { code: 'blocked_request', message: reason, step: 3 } }));
    expect(await skill.run({ input: 'monthly-report' })).toMatchObject({
      ok: true,
      branch: 'on_error',
      result: expect.stringContaining(`(blocked_request): ${reason}`),
    });
  }); // prettier-ignore

  it("routes the host's refusals to on_error with their code, and asks nothing without a recipe", async () => {
    const before = skill.api.callsOf('automation.run').length;
    expect(await skill.run({ input: null })).toMatchObject({ ok: true, branch: 'on_error', result: expect.stringMatching(/^Automation error: no_recipe/) });
    expect(skill.api.callsOf('automation.run')).toHaveLength(before);
    skill.api.handle('automation.run', () => {
      throw fail('recipe_not_reviewed', 'The recipe monthly-report is a draft: review and approve it first');
    });
    expect(await skill.run({ input: 'monthly-report' })).toMatchObject({
      ok: true,
      branch: 'on_error',
      result: 'Automation error: recipe_not_reviewed: The recipe monthly-report is a draft: review and approve it first',
    });
  }); // prettier-ignore

  it('says automation.run is not available in a test that did not script it, on_error with how to script it', async () => {
    const bare = await loadSkill(new URL('..', import.meta.url), { core: true });
    try {
      expect(await bare.run({ input: null, config: { recipe: 'monthly-report' } })).toMatchObject({
        ok: true,
        branch: 'on_error',
        result:
          "Automation error: not_available: automation.run is not available in a test: script it with api.respond('automation.run', value)",
      });
    } finally {
      await bare.close();
    }
  });
});
