import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmError } from '@talon/core/llm/errors.ts';
import type { FakeLlmServer } from '../fakes/llm/fake-llm-server.ts';
import { startFakeOpenAi } from '../fakes/llm/openai.ts';
import { createLlmBed, type LlmBed } from './support/llm-bed.ts';

let bed: LlmBed;
let fake: FakeLlmServer;

beforeAll(async () => {
  bed = await createLlmBed();
  fake = await startFakeOpenAi();
  await bed.addProvider(fake, { id: 'model', kind: 'openai' });
});

afterAll(async () => {
  await fake.close();
  await bed.close();
});

async function refusal(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

function lastBody(): Record<string, unknown> {
  return fake.requests.at(-1)!.body as Record<string, unknown>;
}

describe('token limits and budgets', () => {
  it('maxTokens is 1,024 unless the call says; more than 8,192 is refused before anything is sent', async () => {
    await bed.router.complete({ prompt: 'a' }, { skill: 'limits', runId: 'r-default' });
    expect(lastBody()['max_tokens']).toBe(1024);
    await bed.router.complete({ prompt: 'a', maxTokens: 8192 }, { skill: 'limits', runId: 'r-max' });
    expect(lastBody()['max_tokens']).toBe(8192);
    const sent = fake.requests.length;
    const error = await refusal(
      bed.router.complete({ prompt: 'a', maxTokens: 8193 }, { skill: 'limits', runId: 'r-over' }),
    );
    expect(error).toMatchObject({ code: 'llm_invalid_request', statusCode: 400 });
    expect(error.message).toContain('maxTokens 8193 is more than the 8192 one call may ask for');
    expect(fake.requests.length).toBe(sent);
  });

  it('the owner changes the limits in the settings, and the next call follows', async () => {
    await bed.settings.set('llm.max_tokens_default', 256);
    await bed.router.complete({ prompt: 'a' }, { skill: 'limits', runId: 'r-256' });
    expect(lastBody()['max_tokens']).toBe(256);
    await bed.settings.set('llm.max_tokens_default', 1024);
  });

  it('a run that has spent its 50,000 tokens gets llm_run_budget_exhausted; another run does not', async () => {
    fake.script({ answer: 'long', inputTokens: 30_000, outputTokens: 15_000 });
    await bed.router.complete({ prompt: 'a', maxTokens: 100 }, { skill: 'runner', runId: 'r-spend' });
    const sent = fake.requests.length;
    // 45,000 used: a call that may take up to 5,001+ more is refused, naming what was used.
    const error = await refusal(
      bed.router.complete({ prompt: 'a', maxTokens: 5_000 }, { skill: 'runner', runId: 'r-spend' }),
    );
    expect(error.code).toBe('llm_run_budget_exhausted');
    expect(error.statusCode).toBe(429);
    expect(error.message).toMatch(/^This run has used 45000 of its 50000 LLM tokens/);
    expect(fake.requests.length).toBe(sent);
    // A smaller call still fits, and a new run has its own budget.
    await bed.router.complete({ prompt: 'a', maxTokens: 100 }, { skill: 'runner', runId: 'r-spend' });
    await bed.router.complete({ prompt: 'a', maxTokens: 5_000 }, { skill: 'runner', runId: 'r-other' });
  });

  it("a skill's daily budget is counted across nodes, and a new UTC day starts afresh", async () => {
    await bed.settings.set('llm.budget.tokens_per_skill_per_day', 3_000);
    const nodeB = bed.secondNode();
    fake.script(
      { answer: 'x', inputTokens: 1_000, outputTokens: 500 },
      { answer: 'y', inputTokens: 1_000, outputTokens: 400 },
    );
    await bed.router.complete({ prompt: 'a', maxTokens: 100 }, { skill: 'daily', runId: 'd1' });
    await nodeB.complete({ prompt: 'a', maxTokens: 100 }, { skill: 'daily', runId: 'd2' });
    // 2,900 used on the two nodes together: the next call (up to 101 tokens + input) does not fit.
    const error = await refusal(
      nodeB.complete({ prompt: 'a', maxTokens: 100 }, { skill: 'daily', runId: 'd3' }),
    );
    expect(error.code).toBe('llm_skill_budget_exhausted');
    expect(error.message).toMatch(/^Skill daily has used 2900 of its 3000 LLM tokens for 2026-03-01 \(UTC\)/);
    // Another skill is not affected.
    await bed.router.complete({ prompt: 'a', maxTokens: 100 }, { skill: 'other', runId: 'o1' });
    bed.clock.now += 12 * 3_600_000; // 2026-03-02T00:00Z
    await nodeB.complete({ prompt: 'a', maxTokens: 100 }, { skill: 'daily', runId: 'd4' });
    await bed.settings.set('llm.budget.tokens_per_skill_per_day', 500_000);
  });

  it('calls racing for the last tokens of a run on two nodes: the budget is never overspent', async () => {
    await bed.settings.set('llm.budget.tokens_per_run', 2_000);
    const nodeB = bed.secondNode();
    // Slow answers: all four calls reserve before any settles. Each reserves ~1,001 tokens (maxTokens
    // 1,000 + input), so exactly one fits into 2,000 at once, whichever node asks.
    fake.defaultReply = { answer: 'z', inputTokens: 1, outputTokens: 1, delayMs: 300 };
    const results = await Promise.allSettled(
      [bed.router, nodeB, bed.router, nodeB].map((router) =>
        router.complete({ prompt: 'a', maxTokens: 1_000 }, { skill: 'race', runId: 'r-race' }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((result) => result.status === 'rejected');
    expect(refused).toHaveLength(3);
    for (const result of refused) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'llm_run_budget_exhausted' });
    }
    // Settled to what was really used: 2 tokens.
    expect((await bed.router.budget.used('race', '2026-03-02', 'r-race')).run).toBe(2);
    fake.defaultReply = { answer: 'ok' };
    await bed.settings.set('llm.budget.tokens_per_run', 50_000);
  });

  it('a failed call gives its reservation back', async () => {
    fake.script({ status: 500 });
    await refusal(
      bed.router.complete({ prompt: 'a', maxTokens: 4_000 }, { skill: 'refund', runId: 'r-refund' }),
    );
    expect(await bed.router.budget.used('refund', '2026-03-02', 'r-refund')).toEqual({ skillDay: 0, run: 0 });
  });
});
