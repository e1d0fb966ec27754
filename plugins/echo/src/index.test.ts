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
    } finally {
      await skill.close();
    }
  });
});
