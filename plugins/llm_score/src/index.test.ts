import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '@talon/plugins-sdk/skill';
import { fail, loadSkill, type LoadedSkill } from '@talon/plugins-sdk/testing';

let skill: LoadedSkill;

beforeAll(async () => {
  skill = await loadSkill(new URL('..', import.meta.url), { core: true });
});
afterAll(async () => {
  await skill.close();
});

function answer(json: JsonValue) {
  return {
    text: JSON.stringify(json),
    json,
    provider: 'fake',
    model: 'm',
    usage: { inputTokens: 1, outputTokens: 1 },
  };
}

const FEED = {
  feed: { title: 'News' },
  items: [
    { id: '1', title: 'New CVE in OpenSSH', summary: 'Patch now', link: 'https://n.example/1' },
    { id: '2', title: 'Cat pictures', summary: 'Cute', link: 'https://n.example/2' },
    { id: '3', title: 'Self-hosting guide', summary: 'Hardening', link: 'https://n.example/3' },
  ],
};

describe('llm_score', () => {
  it('scores the items of rss_fetch output and keeps those at the threshold or above, best first', async () => {
    skill.api.respond(
      'llm.complete',
      answer({
        scores: [
          { index: 0, score: 7 },
          { index: 1, score: 1 },
          { index: 2, score: 9 },
        ],
      }),
    );
    expect(await skill.run({ input: FEED, config: { topic: 'security', threshold: 7 } })).toMatchObject({
      ok: true,
      branch: 'on_items',
      result: {
        topic: 'security',
        items: [
          { id: '3', title: 'Self-hosting guide', score: 9 },
          { id: '1', title: 'New CVE in OpenSSH', score: 7 },
        ],
        scored: 3,
        kept: 2,
      },
    });
    const request = skill.api.callsOf('llm.complete').at(-1)?.args[0] as Record<string, unknown>;
    expect(request).toMatchObject({
      json: true,
      temperature: 0,
      prompt: expect.stringContaining('Topic: security'),
    });
    // The items travel as untrusted data, with their text fields only.
    expect(JSON.parse(request['untrusted'] as string)).toEqual([
      { index: 0, item: { title: 'New CVE in OpenSSH', summary: 'Patch now' } },
      { index: 1, item: { title: 'Cat pictures', summary: 'Cute' } },
      { index: 2, item: { title: 'Self-hosting guide', summary: 'Hardening' } },
    ]);
  });

  it('asks in batches, and an item the model left out scores 0', async () => {
    const items = Array.from({ length: 5 }, (_, index) => `headline ${index}`);
    const batches: number[] = [];
    skill.api.handle('llm.complete', (request) => {
      const batch = JSON.parse((request as { untrusted: string }).untrusted) as unknown[];
      batches.push(batch.length);
      // Every item scores 8, except that the second batch's answer forgets its last item.
      const scores = batch
        .map((_, index) => ({ index, score: 8 }))
        .slice(0, batches.length === 2 ? 1 : undefined);
      return answer({ scores });
    });
    const outcome = await skill.run({ input: items, config: { topic: 'news', batchSize: 2 } });
    expect(batches).toEqual([2, 2, 1]);
    expect(outcome).toMatchObject({ branch: 'on_items', result: { scored: 5, kept: 4 } });
    expect(
      (outcome as unknown as { result: { items: { text: string }[] } }).result.items.map((item) => item.text),
    ).toEqual(['headline 0', 'headline 1', 'headline 2', 'headline 4']);
  });

  it('goes to on_empty when nothing reaches the threshold or there is nothing to score', async () => {
    skill.api.respond('llm.complete', answer({ scores: [{ index: 0, score: 2 }] }));
    expect(await skill.run({ input: ['meh'], config: { topic: 't' } })).toMatchObject({
      branch: 'on_empty',
      result: { items: [], scored: 1, kept: 0 },
    });
    expect(await skill.run({ input: { items: [] }, config: { topic: 't' } })).toMatchObject({
      branch: 'on_empty',
    });
  });

  it('goes to on_error when the model fails or answers something else, or the input is not a list', async () => {
    skill.api.handle('llm.complete', () => {
      throw fail('llm_unavailable', 'every provider failed');
    });
    expect(await skill.run({ input: ['a'], config: { topic: 't' } })).toMatchObject({
      branch: 'on_error',
      result: { message: 'llm_unavailable: every provider failed' },
    });
    skill.api.respond('llm.complete', answer({ verdict: 'all good' }));
    expect(await skill.run({ input: ['a'], config: { topic: 't' } })).toMatchObject({
      branch: 'on_error',
      result: { message: 'the model did not answer with {"scores": [...]}' },
    });
    expect(await skill.run({ input: 'not a list', config: { topic: 't' } })).toMatchObject({
      branch: 'on_error',
    });
  });
});
