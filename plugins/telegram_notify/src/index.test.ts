import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fail, loadSkill, type LoadedSkill } from '@talon/plugins-sdk/testing';

let skill: LoadedSkill;

beforeAll(async () => {
  skill = await loadSkill(new URL('..', import.meta.url), { core: true });
});
afterAll(async () => {
  await skill.close();
});

describe('telegram_notify', () => {
  it('sends a text as it is, and passes its input on through on_delivered', async () => {
    skill.api.respond('telegram.send', null);
    expect(await skill.run({ input: 'Backup done' })).toMatchObject({
      ok: true,
      branch: 'on_delivered',
      result: 'Backup done',
    });
    expect(skill.api.callsOf('telegram.send').at(-1)?.args).toEqual(['Backup done', { html: false }]);
  });

  it('sends anything else as indented JSON under an optional title, with html only when asked', async () => {
    skill.api.respond('telegram.send', null);
    const outcome = await skill.run({ input: { disk: '91%' }, config: { title: '<b>Disk</b>', html: true } });
    expect(outcome).toMatchObject({ ok: true, branch: 'on_delivered', result: { disk: '91%' } });
    expect(skill.api.callsOf('telegram.send').at(-1)?.args).toEqual([
      '<b>Disk</b>\n{\n  "disk": "91%"\n}',
      { html: true },
    ]);
  });

  it('cuts a long input at 4,000 characters and says so', async () => {
    skill.api.respond('telegram.send', null);
    await skill.run({ input: 'x'.repeat(10_000) });
    const text = skill.api.callsOf('telegram.send').at(-1)?.args[0] as string;
    expect(text).toHaveLength(4000);
    expect(text.endsWith('\n… (truncated)')).toBe(true);
  });

  it('routes a refused send (rate limit, Telegram not configured) to on_error with the reason', async () => {
    skill.api.handle('telegram.send', () => {
      throw fail('rate_limited', 'telegram_notify may send at most 10 Telegram messages a minute');
    });
    expect(await skill.run({ input: 'again' })).toMatchObject({
      ok: true,
      branch: 'on_error',
      result: { message: 'rate_limited: telegram_notify may send at most 10 Telegram messages a minute' },
    });
    expect(await skill.run({ input: '' })).toMatchObject({
      ok: true,
      branch: 'on_error',
      result: { message: expect.stringMatching(/empty/) },
    });
  });

  it('without the telegram.send grant, reports permission_denied instead of sending', async () => {
    const narrow = await loadSkill(new URL('..', import.meta.url), {
      core: true,
      grants: { permissions: [], net: [], secrets: [] },
    });
    try {
      expect(await narrow.run({ input: 'hi' })).toMatchObject({
        ok: true,
        branch: 'on_error',
        result: { message: expect.stringMatching(/^permission_denied/) },
      });
    } finally {
      await narrow.close();
    }
  });
});
