import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../contract/json.ts';
import { createMemoryRuntime, type MemoryRuntime } from '../testing/memory-runtime.ts';

let t: MemoryRuntime;

const DOUBLE = `export default { run({ input }) { return input * 2; } }`;
/** Waits for the host while it says so: a call that is in flight when a neighbour kills the worker. */
const SLOW_READER = `export default { async run({ input, api }) {
  const end = Date.now() + input;
  while (Date.now() < end) await api.storage.get('k');
  return 'read for ' + input;
} }`;
const SLOW_WRITER = `export default { async run({ input, api }) {
  await api.storage.set('k', input);
  const end = Date.now() + input;
  while (Date.now() < end) await api.storage.get('k');
  return 'wrote';
} }`;

async function callsUntilShared(name: string, times: number, input: JsonValue = 1): Promise<void> {
  for (let call = 0; call < times; call++) {
    const result = await t.runtime.run(name, { input });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
  }
}

beforeAll(async () => {
  t = createMemoryRuntime({
    limits: { defaultWallTimeoutMs: 1500, apiCallsPerSecond: 100_000, apiCallsPerRun: 100_000 },
    sandbox: { spareWorkers: 0, placement: { probationCalls: 2, cooldownMs: 60_000, workersPerCordon: 1 } },
  });
  await t.install({ name: 'twin_a' }, DOUBLE);
  await t.install({ name: 'twin_b' }, DOUBLE);
  await t.install({ name: 'other_grants', permissions: ['storage'] }, DOUBLE);
  await t.install(
    {
      name: 'holds_secret',
      permissions: ['http', 'secrets'],
      net: ['api.example.com'],
      secrets: [{ handle: 'x.token', hosts: ['api.example.com'], in: 'header', name: 'x-key' }],
    },
    DOUBLE,
  );
  await t.install({ name: 'reader', permissions: ['storage'] }, SLOW_READER);
  await t.install({ name: 'writer', permissions: ['storage'] }, SLOW_WRITER);
});

afterAll(async () => {
  await t.close();
});

describe('workers shared within a cordon', () => {
  it('puts skills of one origin and identical grants in one worker once they are past probation', async () => {
    await callsUntilShared('twin_a', 1);
    await callsUntilShared('twin_b', 1);
    // On probation: a worker each.
    expect(t.runtime.workerOf('twin_a')).not.toBe(t.runtime.workerOf('twin_b'));
    await callsUntilShared('twin_a', 2);
    await callsUntilShared('twin_b', 2);
    expect(t.runtime.workerOf('twin_a')).toBeDefined();
    expect(t.runtime.workerOf('twin_a')).toBe(t.runtime.workerOf('twin_b'));
    expect(await t.runtime.run('twin_b', { input: 21 })).toMatchObject({ ok: true, result: 42 });
  });

  it('never shares across different grants, nor a skill holding a secret', async () => {
    await callsUntilShared('other_grants', 3);
    await callsUntilShared('holds_secret', 3);
    const shared = t.runtime.workerOf('twin_a');
    expect(t.runtime.workerOf('other_grants')).not.toBe(shared);
    expect(t.runtime.workerOf('holds_secret')).not.toBe(shared);
    expect(t.runtime.workerOf('holds_secret')).not.toBe(t.runtime.workerOf('other_grants'));
  });

  it('ends only the call when a skill in a shared worker runs out of CPU: the worker and its neighbours stay', async () => {
    await t.install(
      { name: 'spinner', limits: { cpuTimeoutMs: 100 } },
      `export default { run({ input }) { if (input === 'spin') for (;;) {} return input * 2; } }`,
    );
    await callsUntilShared('spinner', 3, 1);
    const shared = t.runtime.workerOf('twin_a');
    expect(t.runtime.workerOf('spinner')).toBe(shared);
    const [spun, neighbour] = await Promise.all([
      t.runtime.run('spinner', { input: 'spin' }),
      t.runtime.run('twin_a', { input: 5 }),
    ]);
    expect(spun).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(neighbour).toMatchObject({ ok: true, result: 10 });
    // Not a kill: no cooldown alone, the same worker for both, and the spinner answers again.
    expect(t.runtime.workerOf('twin_a')).toBe(shared);
    expect(t.runtime.workerOf('spinner')).toBe(shared);
    expect(await t.runtime.run('spinner', { input: 4 })).toMatchObject({ ok: true, result: 8 });
  });

  it('re-runs a lost neighbour only when it had done nothing outside its isolate, and never counts it against its breaker', async () => {
    // A culprit sharing the readers' worker, whose deadline comes first: it hangs past it while
    // the readers are still waiting on the host.
    await t.install(
      { name: 'rogue', permissions: ['storage'], limits: { wallTimeoutMs: 300 } },
      `export default { async run({ input, api }) {
      if (input === 'hang') return new Promise(() => {});
      await api.storage.get('k');
      return 'fine';
    } }`,
    );
    await callsUntilShared('rogue', 3, 'ok');
    await callsUntilShared('reader', 3, 1);
    await callsUntilShared('writer', 3, 1);
    expect(t.runtime.workerOf('rogue')).toBe(t.runtime.workerOf('reader'));
    expect(t.runtime.workerOf('writer')).toBe(t.runtime.workerOf('reader'));
    const [rogue, reader, writer] = await Promise.all([
      t.runtime.run('rogue', { input: 'hang' }),
      t.runtime.run('reader', { input: 800 }),
      t.runtime.run('writer', { input: 800 }),
    ]);
    expect(rogue).toMatchObject({ ok: false, error: { code: 'timeout' } });
    // Reads only: run again on another worker, and right.
    expect(reader).toMatchObject({ ok: true, result: 'read for 800' });
    // It had written: never twice; its own code, its breaker untouched.
    expect(writer).toMatchObject({ ok: false, error: { code: 'worker_lost' } });
    expect(t.runtime.status('writer')?.breaker.failures).toBe(0);
    // The culprit runs alone now (cooldown); the neighbours share again.
    await callsUntilShared('reader', 1);
    await callsUntilShared('writer', 1, 1);
    expect(t.runtime.workerOf('rogue')).not.toBe(t.runtime.workerOf('reader'));
  });

  it("spreads a cordon's skills over one worker per core before they double up", async () => {
    const spread = createMemoryRuntime({
      sandbox: { spareWorkers: 0, placement: { probationCalls: 0, workersPerCordon: 2 } },
    });
    try {
      for (const name of ['one', 'two', 'three']) await spread.install({ name }, DOUBLE);
      const workers = new Set(['one', 'two', 'three'].map((name) => spread.runtime.workerOf(name)));
      expect(workers.size).toBe(2);
    } finally {
      await spread.close();
    }
  });
});
