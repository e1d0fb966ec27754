import { describe, expect, it } from 'vitest';
import { loadSkill } from '@talon/plugins-sdk/testing';

describe('echo', () => {
  it('returns the input as it came, or wrapped, and logs its type when asked', async () => {
    const skill = await loadSkill(new URL('..', import.meta.url), { core: true });
    try {
      expect(await skill.run({ input: { a: [1, null] } })).toMatchObject({
        ok: true,
        result: { a: [1, null] },
      });
      expect(await skill.run({ input: 'x', config: { wrap: 'value', log: true } })).toMatchObject({
        ok: true,
        branch: 'on_success',
        result: { value: 'x' },
      });
      expect(skill.api.callsOf('log.info')).toEqual([
        expect.objectContaining({ args: ['echo', { type: 'string' }] }),
      ]);
      // As in Talon, a config that does not fit configSchema is refused before the skill runs.
      expect(await skill.run({ input: 'x', config: { wrap: '' } })).toMatchObject({
        ok: false,
        error: { code: 'config_invalid', message: expect.stringContaining('/wrap') },
      });
      expect(skill.api.calls).toHaveLength(1);
    } finally {
      await skill.close();
    }
  });
});
