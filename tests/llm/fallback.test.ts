import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { LlmError } from '@talon/core/llm/errors.ts';
import { startFakeAnthropic } from '../fakes/llm/anthropic.ts';
import type { FakeLlmServer } from '../fakes/llm/fake-llm-server.ts';
import { startFakeGemini } from '../fakes/llm/gemini.ts';
import { startFakeOpenAi } from '../fakes/llm/openai.ts';
import { createLlmBed, type LlmBed } from './support/llm-bed.ts';

let bed: LlmBed;
let first: FakeLlmServer;
let second: FakeLlmServer;
let third: FakeLlmServer;

beforeAll(async () => {
  bed = await createLlmBed();
  first = await startFakeAnthropic('first-key-0123456789');
  second = await startFakeOpenAi('second-key-0123456789');
  third = await startFakeGemini('third-key-0123456789');
  // One tier, three providers by priority: first, then second, then third.
  await bed.addProvider(first, { id: 'first', kind: 'anthropic', priority: 0 });
  await bed.addProvider(second, { id: 'second', kind: 'openai', priority: 1 });
  await bed.addProvider(third, { id: 'third', kind: 'gemini', priority: 2 });
});

afterEach(() => {
  for (const fake of [first, second, third]) fake.requests.length = 0;
  bed.timeout.ms = 5_000;
});

afterAll(async () => {
  await Promise.all([first.close(), second.close(), third.close()]);
  await bed.close();
});

const ask = (runId: string) =>
  bed.router.complete({ prompt: 'Summarise the news' }, { skill: 'digest', runId });

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

async function usageOf(provider: string) {
  return bed.database.pool
    .maybeOne(sql.unsafe`SELECT requests, errors, input_tokens::int AS input_tokens, output_tokens::int AS output_tokens
    FROM llm_usage_daily WHERE provider_id = ${provider} AND day = '2026-03-01'`);
}

describe('falling back to the next provider', () => {
  it('a 500 from the first provider: the second answers, and the result and the usage table say so', async () => {
    first.script({ status: 500, message: 'Internal server error' });
    second.script({ answer: 'the digest', inputTokens: 20, outputTokens: 5 });
    const result = await ask('run-500');
    expect(result.text).toBe('the digest');
    expect(result.provider).toBe('second');
    expect(result.attempts.map(({ provider, outcome, reason }) => ({ provider, outcome, reason }))).toEqual([
      { provider: 'first', outcome: 'failed', reason: 'http_500' },
      { provider: 'second', outcome: 'answered', reason: undefined },
    ]);
    expect(await usageOf('first')).toMatchObject({ requests: 1, errors: 1, input_tokens: 0 });
    expect(await usageOf('second')).toMatchObject({
      requests: 1,
      errors: 0,
      input_tokens: 20,
      output_tokens: 5,
    });
  });

  it('a 429 with retry-after: the next answers, and the first is left alone until retry-after has passed', async () => {
    first.script({
      status: 429,
      retryAfter: '120',
      message: 'Number of requests has exceeded your rate limit',
    });
    expect((await ask('run-429')).provider).toBe('second');
    expect(first.requests).toHaveLength(1);

    bed.clock.now += 60_000; // still within the 120 s
    const during = await ask('run-429-b');
    expect(during.provider).toBe('second');
    expect(during.attempts[0]).toMatchObject({
      provider: 'first',
      outcome: 'skipped',
      reason: 'cooling_down',
    });
    expect(first.requests).toHaveLength(1); // not even asked

    bed.clock.now += 61_000; // past it
    expect((await ask('run-429-c')).provider).toBe('first');
    expect(first.requests).toHaveLength(2);
  });

  it('a provider that does not answer in time: the next answers (timeout)', async () => {
    bed.timeout.ms = 300;
    first.script({ hang: true });
    const result = await ask('run-timeout');
    expect(result.provider).toBe('second');
    expect(result.attempts[0]).toMatchObject({ provider: 'first', outcome: 'failed', reason: 'timeout' });
  });

  it('a slow answer within the time is taken', async () => {
    bed.timeout.ms = 2_000;
    first.script({ answer: 'slow but fine', delayMs: 300 });
    expect(await ask('run-slow')).toMatchObject({ provider: 'first', text: 'slow but fine' });
  });

  it('two failures in a row (500, then 503): the third provider answers', async () => {
    first.script({ status: 500 });
    second.script({ status: 503 });
    third.script({ answer: 'third time lucky' });
    const result = await ask('run-third');
    expect(result).toMatchObject({ provider: 'third', text: 'third time lucky' });
    expect(result.attempts.map((attempt) => attempt.reason ?? 'answered')).toEqual([
      'http_500',
      'http_503',
      'answered',
    ]);
  });

  it('every provider failing is llm_unavailable, naming each and why', async () => {
    first.script({ status: 500 });
    second.script({ status: 502 });
    third.script({ status: 503 });
    const error = await failure(ask('run-all-down'));
    expect(error.code).toBe('llm_unavailable');
    expect(error.statusCode).toBe(503);
    expect(error.message).toBe(
      'No LLM provider could answer (first: http_500, second: http_502, third: http_503)',
    );
    expect(error.attempts).toHaveLength(3);
  });

  it('a 400 is reported, not retried elsewhere', async () => {
    first.script({ status: 400, message: 'max_tokens: must be less than the model limit' });
    const error = await failure(ask('run-400'));
    expect(error.code).toBe('llm_request_rejected');
    expect(error.message).toContain('max_tokens: must be less than the model limit');
    expect(second.requests).toHaveLength(0);
    expect(third.requests).toHaveLength(0);
  });

  it("a 401 (the owner's key is wrong) is reported, not retried elsewhere", async () => {
    first.script({ status: 401, message: 'invalid x-api-key' });
    const error = await failure(ask('run-401'));
    expect(error.code).toBe('llm_auth_failed');
    expect(error.message).toMatch(/^first refused the call: the provider answered 401/);
    expect(second.requests).toHaveLength(0);
  });

  it('an unreachable provider (nothing listens) is skipped like a 5xx', async () => {
    const gone = await startFakeOpenAi();
    await bed.addProvider(gone, { id: 'gone', kind: 'openai', priority: -1 });
    await gone.close();
    const result = await ask('run-unreachable');
    expect(result.attempts[0]).toMatchObject({ provider: 'gone', outcome: 'failed', reason: 'unreachable' });
    expect(result.provider).toBe('first');
    await bed.providers.delete('gone');
  });

  it('a provider without a stored key is skipped (no_key), never called with a key from the environment', async () => {
    await bed.providers.update('first', { clearKey: true });
    const result = await ask('run-no-key');
    expect(result.attempts[0]).toMatchObject({ provider: 'first', outcome: 'skipped', reason: 'no_key' });
    expect(first.requests).toHaveLength(0);
    expect(result.provider).toBe('second');
    await bed.providers.update('first', { apiKey: 'first-key-0123456789' });
  });
});
