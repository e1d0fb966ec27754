import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRuntime, type MemoryRuntime } from '../testing/memory-runtime.ts';

let t: MemoryRuntime;

beforeAll(() => {
  t = createMemoryRuntime({ limits: { defaultCpuTimeoutMs: 300, defaultWallTimeoutMs: 20_000 } });
});

afterAll(async () => {
  await t.close();
});

describe('the CPU limit of a call', () => {
  it('is one budget for the whole call, not a fresh one after every API answer', async () => {
    // Spins just under the limit after each answer: ten times the budget in all.
    await t.install(
      { name: 'spins_between_calls' },
      `export default { async run({ api }) {
        for (let round = 0; round < 10; round++) {
          await api.log.info('round ' + round);
          const end = Date.now() + 250;
          while (Date.now() < end) {}
        }
        return 'finished';
      } }`,
    );
    const result = await t.runtime.run('spins_between_calls', { input: null });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'timeout', message: 'the skill used up its CPU time' },
    });
  });

  it('leaves a call that waits on the host more than its CPU budget alone', async () => {
    await t.install(
      { name: 'waits_a_lot' },
      `export default { async run({ api }) {
        for (let round = 0; round < 40; round++) await api.log.debug('round ' + round);
        return 'finished';
      } }`,
    );
    expect(await t.runtime.run('waits_a_lot', { input: null })).toMatchObject({
      ok: true,
      result: 'finished',
    });
  });
});
