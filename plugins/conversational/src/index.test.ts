import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fail, loadSkill, type LoadedSkill } from '@talon/plugins-sdk/testing';

let skill: LoadedSkill;

beforeAll(async () => {
  skill = await loadSkill(new URL('..', import.meta.url), { core: true });
});
afterAll(async () => {
  await skill.close();
});

function says(text: string) {
  return { text, provider: 'fake', model: 'm', usage: { inputTokens: 1, outputTokens: 1 } };
}

function lastMessages(): unknown {
  return (skill.api.callsOf('llm.complete').at(-1)?.args[0] as { messages: unknown }).messages;
}

describe('conversational', () => {
  it('answers a Telegram message and remembers the exchange for the next one in that chat', async () => {
    skill.api.respond('llm.complete', says('Hello Ada!'));
    expect(await skill.run({ input: { text: 'Hi, I am Ada', chatId: '42' } })).toMatchObject({
      ok: true,
      branch: 'on_success',
      result: 'Hello Ada!',
    });
    skill.api.respond('llm.complete', says('You are Ada.'));
    expect(await skill.run({ input: { text: 'Who am I?', chatId: '42' } })).toMatchObject({
      result: 'You are Ada.',
    });
    expect(lastMessages()).toEqual([
      { role: 'user', content: 'Hi, I am Ada' },
      { role: 'assistant', content: 'Hello Ada!' },
      { role: 'user', content: 'Who am I?' },
    ]);
    // Another chat (or a plain text input) starts with no memory.
    skill.api.respond('llm.complete', says('No idea.'));
    await skill.run({ input: 'Who am I?' });
    expect(lastMessages()).toEqual([{ role: 'user', content: 'Who am I?' }]);
  });

  it('keeps only the last memoryTurns exchanges, and forgets after memoryMinutes of silence', async () => {
    for (const turn of ['one', 'two', 'three']) {
      skill.api.respond('llm.complete', says(`re ${turn}`));
      await skill.run({ input: { text: turn, chatId: 'short' }, config: { memoryTurns: 1 } });
    }
    expect(lastMessages()).toEqual([
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 're two' },
      { role: 'user', content: 'three' },
    ]);
    const memory = skill.api.storage.get('memory:short') as { at: number };
    skill.api.storage.set('memory:short', { ...memory, at: memory.at - 61 * 60_000 });
    skill.api.respond('llm.complete', says('hi'));
    await skill.run({ input: { text: 'four', chatId: 'short' }, config: { memoryTurns: 1 } });
    expect(lastMessages()).toEqual([{ role: 'user', content: 'four' }]);
  });

  it('uses the system prompt and tier asked for', async () => {
    skill.api.respond('llm.complete', says('Ahoy'));
    await skill.run({ input: 'hello', config: { system: 'Talk like a pirate.', tier: 'local' } });
    expect(skill.api.callsOf('llm.complete').at(-1)?.args[0]).toMatchObject({
      system: 'Talk like a pirate.',
      tier: 'local',
    });
  });

  it('routes a failing model and an empty message to on_error, remembering nothing of them', async () => {
    skill.api.handle('llm.complete', () => {
      throw fail('llm_unavailable', 'every provider failed');
    });
    expect(await skill.run({ input: { text: 'hello?', chatId: 'down' } })).toMatchObject({
      branch: 'on_error',
      result: { message: 'llm_unavailable: every provider failed' },
    });
    expect(skill.api.storage.has('memory:down')).toBe(false);
    expect(await skill.run({ input: { text: '   ' } })).toMatchObject({ branch: 'on_error' });
  });
});
