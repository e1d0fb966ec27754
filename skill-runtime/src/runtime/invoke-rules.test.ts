import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRuntime, type MemoryRuntime } from '../testing/memory-runtime.ts';

let t: MemoryRuntime;

const INVOKE_INPUT = `export default { async run({ input, api }) { return await api.skills.invoke(input.skill, input.value); } }`;

beforeAll(async () => {
  t = createMemoryRuntime();
  await t.install(
    { name: 'fragile' },
    `export default { run({ input }) { if (input === 'bad') throw new Error('bad input'); return 'fine'; } }`,
  );
  await t.install({ name: 'saboteur', permissions: ['skills.invoke'], invokes: ['fragile'] }, INVOKE_INPUT);
  await t.install({ name: 'friend', permissions: ['skills.invoke'], invokes: ['fragile'] }, INVOKE_INPUT);
  await t.install({ name: 'undeclared', permissions: ['skills.invoke'] }, INVOKE_INPUT);
});

afterAll(async () => {
  await t.close();
});

describe('skills.invoke', () => {
  it('runs only the skills a manifest declares in "invokes" and the owner approved', async () => {
    const refused = await t.runtime.run('undeclared', { input: { skill: 'fragile', value: 'ok' } });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'permission_denied', message: expect.stringContaining('may not invoke "fragile"') },
    });
    expect(t.audit.at(-1)).toMatchObject({ actor: 'skill:undeclared', outcome: 'denied' });
    expect(await t.runtime.run('friend', { input: { skill: 'fragile', value: 'ok' } })).toMatchObject({
      ok: true,
      result: { ok: true, result: 'fine' },
    });
  });

  it("counts a callee's failures through skills.invoke to that caller's breaker, never to the callee's own", async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      await t.runtime.run('saboteur', { input: { skill: 'fragile', value: 'bad' } });
    }
    // The saboteur switched off only its own way to the callee.
    expect(await t.runtime.run('saboteur', { input: { skill: 'fragile', value: 'ok' } })).toMatchObject({
      ok: true,
      result: {
        ok: false,
        error: { code: 'circuit_open', message: expect.stringContaining('for calls from saboteur') },
      },
    });
    expect(t.runtime.status('fragile')?.breaker.state).toBe('closed');
    expect(await t.runtime.run('fragile', { input: 'ok' })).toMatchObject({ ok: true, result: 'fine' });
    expect(await t.runtime.run('friend', { input: { skill: 'fragile', value: 'ok' } })).toMatchObject({
      ok: true,
      result: { ok: true, result: 'fine' },
    });
  });
});
