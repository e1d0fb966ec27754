import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { LlmError } from '@talon/core/llm/errors.ts';
import type { FakeLlmServer } from '../fakes/llm/fake-llm-server.ts';
import { startFakeOpenAi } from '../fakes/llm/openai.ts';
import { createLlmBed, type LlmBed } from './support/llm-bed.ts';

let bed: LlmBed;
let fake: FakeLlmServer;

beforeAll(async () => {
  bed = await createLlmBed();
  fake = await startFakeOpenAi();
  fake.defaultReply = { answer: 'fine' };
});

beforeEach(async () => {
  await bed.database.pool.query(sql.unsafe`DELETE FROM llm_providers`);
});

afterAll(async () => {
  await fake.close();
  await bed.close();
});

/** Providers on one fake, told apart by id; remote unless the tier is local. */
async function providers(
  ...specs: [
    id: string,
    tier: 'light' | 'medium' | 'heavy' | 'local',
    locality?: 'local' | 'remote',
    priority?: number,
  ][]
) {
  for (const [id, tier, locality, priority] of specs) {
    await bed.addProvider(fake, {
      id,
      kind: 'openai',
      tier,
      locality: locality ?? (tier === 'local' ? 'local' : 'remote'),
      priority: priority ?? 0,
    });
  }
}

async function answeredBy(
  request: Record<string, unknown>,
  context: Record<string, unknown> = {},
): Promise<string> {
  const result = await bed.router.complete({ prompt: 'hi', ...request }, { skill: 'tiers', ...context });
  return result.provider;
}

async function refusal(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

describe('tiers and priority', () => {
  it('a request goes to its tier, by priority within it', async () => {
    await providers(
      ['cheap', 'light'],
      ['mid_b', 'medium', 'remote', 2],
      ['mid_a', 'medium', 'remote', 1],
      ['big', 'heavy'],
    );
    expect(await answeredBy({ tier: 'light' })).toBe('cheap');
    expect(await answeredBy({ tier: 'medium' })).toBe('mid_a');
    expect(await answeredBy({ tier: 'heavy' })).toBe('big');
    expect(await answeredBy({})).toBe('mid_a'); // medium by default
  });

  it('a tier with no provider of its own uses the nearest tier that has one (the stronger on a tie)', async () => {
    await providers(['cheap', 'light'], ['big', 'heavy']);
    expect(await answeredBy({ tier: 'medium' })).toBe('big');
    await bed.providers.delete('big');
    expect(await answeredBy({ tier: 'heavy' })).toBe('cheap');
  });

  it('one configured provider serves every tier, local included when it is local', async () => {
    await providers(['ollama', 'local']);
    for (const tier of ['light', 'medium', 'heavy', 'local'])
      expect(await answeredBy({ tier })).toBe('ollama');
  });

  it('the local tier never falls to a remote provider', async () => {
    await providers(['cloud', 'medium']);
    const error = await refusal(answeredBy({ tier: 'local' }));
    expect(error.code).toBe('llm_no_provider');
    expect(error.message).toMatch(/No local LLM provider is enabled/);
  });

  it('a local provider in another tier serves a local call', async () => {
    await providers(['cloud', 'medium'], ['homebox', 'heavy', 'local']);
    expect(await answeredBy({ tier: 'local' })).toBe('homebox');
  });

  it('a workflow restricted to local providers never reaches a remote one, whatever tier it asks', async () => {
    await providers(['cloud', 'heavy'], ['homebox', 'light', 'local']);
    expect(await answeredBy({ tier: 'heavy' }, { localOnly: true })).toBe('homebox');
    await bed.providers.update('homebox', { enabled: false });
    expect((await refusal(answeredBy({ tier: 'heavy' }, { localOnly: true }))).code).toBe('llm_no_provider');
  });

  it("a step's provider is the only one used; a remote one under local-only is refused before anything is sent", async () => {
    await providers(['cloud', 'medium'], ['other', 'medium', 'remote', -5]);
    expect(await answeredBy({}, { provider: 'cloud' })).toBe('cloud');
    const before = fake.requests.length;
    const error = await refusal(answeredBy({}, { provider: 'cloud', localOnly: true }));
    expect(error.code).toBe('llm_provider_not_allowed');
    expect(fake.requests.length).toBe(before);
    expect((await refusal(answeredBy({}, { provider: 'nope' }))).code).toBe('llm_provider_not_found');
  });

  it("the run's policy (the workflow step's tier, provider, local-only) wins over the skill's request", async () => {
    await providers(['cheap', 'light'], ['big', 'heavy'], ['homebox', 'medium', 'local']);
    bed.router.runPolicies.set('run-1', { tier: 'heavy', provider: undefined, localOnly: false });
    expect(await answeredBy({ tier: 'light' }, { runId: 'run-1' })).toBe('big');
    bed.router.runPolicies.set('run-1', { tier: undefined, provider: undefined, localOnly: true });
    expect(await answeredBy({ tier: 'light' }, { runId: 'run-1' })).toBe('homebox');
    bed.router.runPolicies.delete('run-1');
    expect(await answeredBy({ tier: 'light' }, { runId: 'run-1' })).toBe('cheap');
  });

  it('disabled providers are not used; none enabled is llm_no_provider', async () => {
    await providers(['only', 'medium']);
    await bed.providers.update('only', { enabled: false });
    const error = await refusal(answeredBy({}));
    expect(error).toMatchObject({ code: 'llm_no_provider', statusCode: 503 });
  });
});
