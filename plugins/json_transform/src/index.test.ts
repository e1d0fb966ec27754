import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSkill, type LoadedSkill } from '@talon/plugins-sdk/testing';

let skill: LoadedSkill;

beforeAll(async () => {
  skill = await loadSkill(new URL('..', import.meta.url), { core: true });
});
afterAll(async () => {
  await skill.close();
});

describe('json_transform', () => {
  it('picks dot paths, renames and fills defaults', async () => {
    const outcome = await skill.run({
      input: { title: 'T', author: { name: 'Ada', mail: 'a@x' }, link: 'https://x' },
      config: {
        pick: ['title', 'author.name', 'link'],
        rename: { link: 'url', 'author.name': 'by' },
        defaults: { tags: [] },
      },
    });
    expect(outcome).toMatchObject({
      ok: true,
      branch: 'on_success',
      result: { title: 'T', by: 'Ada', url: 'https://x', tags: [] },
    });
  });

  it('keeps every field when nothing is picked, and transforms each item of an array', async () => {
    const outcome = await skill.run({ input: [{ a: 1 }, { a: 2, b: 3 }], config: { defaults: { b: 0 } } });
    expect(outcome).toMatchObject({
      ok: true,
      result: [
        { a: 1, b: 0 },
        { a: 2, b: 3 },
      ],
    });
  });

  it('takes on_invalid_input for anything that is not an object', async () => {
    expect(await skill.run({ input: 'text' })).toMatchObject({ ok: true, branch: 'on_invalid_input' });
    expect(await skill.run({ input: [{ a: 1 }, 2] })).toMatchObject({
      ok: true,
      branch: 'on_invalid_input',
      result: { message: 'item 1 is not an object' },
    });
  });

  it('never reads an inherited property through a dot path', async () => {
    expect(
      await skill.run({ input: { a: {} }, config: { pick: ['a.constructor', 'a.__proto__'] } }),
    ).toMatchObject({
      ok: true,
      result: {},
    });
    expect(skill.api.calls).toEqual([]);
  });

  it('keeps a "__proto__" key as data', async () => {
    const outcome = await skill.run({
      input: JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as { a: number },
      config: { rename: { a: '__proto__' } },
    });
    expect(outcome.ok && JSON.stringify(outcome.result)).toBe('{"__proto__":1}');
  });
});
