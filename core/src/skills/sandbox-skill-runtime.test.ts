import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSkillRuntime, type TestSkillRuntime } from '../testing/skill-runtime.ts';
import type { BreakerChange } from '@talon/skill-runtime/runtime/circuit-breaker.ts';

let t: TestSkillRuntime;

beforeAll(async () => {
  t = await createTestSkillRuntime({
    limits: { defaultCpuTimeoutMs: 500, defaultWallTimeoutMs: 3000, defaultMemoryMb: 32 },
  });
});
afterAll(async () => {
  await t.close();
});

describe('running a skill', () => {
  it('passes input and config, returns the result on on_success, and lists the API calls made', async () => {
    await t.install(
      { name: 'greeter' },
      `export default { async run({ input, config, api }) {
         await api.log.info('greeting', { who: input.name });
         return { text: config.greeting + ', ' + input.name };
       } }`,
    );
    const result = await t.runtime.run('greeter', { input: { name: 'Ada' }, config: { greeting: 'Hello' } });
    expect(result).toMatchObject({ ok: true, result: { text: 'Hello, Ada' }, branch: 'on_success' });
    expect(result.apiCalls).toEqual([
      expect.objectContaining({ method: 'log.info', permission: 'log', allowed: true }),
    ]);
  });

  it('refuses a config that does not fit configSchema before the skill runs, naming the field', async () => {
    await t.install(
      {
        name: 'configured',
        configSchema: {
          type: 'object',
          additionalProperties: false,
          required: ['units'],
          properties: { units: { enum: ['metric', 'imperial'] } },
        },
      },
      `export default { run({ config }) { return config.units } }`,
    );
    expect(await t.runtime.run('configured', { input: null, config: { units: 'metric' } })).toMatchObject({
      ok: true,
      result: 'metric',
    });
    for (const [config, says] of [
      [{ units: 'kelvin' }, '/units must be one of "metric", "imperial"'],
      [{ units: 'metric', colour: 1 }, 'unknown field "colour"'],
      [{}, 'missing required field "units"'],
    ] as const) {
      const refused = await t.runtime.run('configured', { input: null, config });
      expect(refused).toMatchObject({ ok: false, error: { code: 'config_invalid' }, apiCalls: [] });
      if (!refused.ok) expect(refused.error.message).toContain(`config does not fit configured 1.0.0`);
      if (!refused.ok) expect(refused.error.message).toContain(says);
    }
    // The caller's mistakes are not the skill's failures: its breaker stays closed.
    expect(t.runtime.status('configured')?.breaker.state).toBe('closed');
  });

  it('accepts a branch from the routes and refuses one that is not there', async () => {
    await t.install(
      { name: 'router', routes: ['found', 'missing'] },
      `export default { run({ input }) { return { result: input, branch: input } } }`,
    );
    expect(await t.runtime.run('router', { input: 'found' })).toMatchObject({
      ok: true,
      result: 'found',
      branch: 'found',
    });
    const refused = await t.runtime.run('router', { input: 'elsewhere' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_branch' } });
  });

  it('reports a thrown error as skill_error with its message, and an unknown skill as skill_not_found', async () => {
    await t.install({ name: 'thrower' }, `export default { run() { throw new Error('no such city') } }`);
    expect(await t.runtime.run('thrower', { input: null })).toMatchObject({
      ok: false,
      error: { code: 'skill_error', message: 'no such city' },
    });
    expect(await t.runtime.run('nobody_here', { input: null })).toMatchObject({
      ok: false,
      error: { code: 'skill_not_found' },
    });
  });

  it('refuses to install a module without run(ctx)', async () => {
    await expect(t.install({ name: 'no_run' }, `export default { walk() {} }`)).rejects.toMatchObject({
      code: 'invalid_skill',
    });
    expect(t.runtime.status('no_run')).toBeUndefined();
  });

  it('replaces a worker that crashed, and the next call works', async () => {
    await t.install(
      { name: 'hungry', limits: { memoryMb: 16 } },
      `export default { run({ input }) { if (input === 'eat') { const a = []; for (;;) a.push(new Array(1e5).fill(a.length)); } return 'fine'; } }`,
    );
    const eaten = await t.runtime.run('hungry', { input: 'eat' });
    expect(eaten.ok).toBe(false);
    expect(['memory_limit', 'crashed']).toContain(!eaten.ok && eaten.error.code);
    expect(await t.runtime.run('hungry', { input: 'rest' })).toMatchObject({ ok: true, result: 'fine' });
  });

  it('runs workers without the host environment, and as an unprivileged user when the host is root', async () => {
    process.env['TALON_TEST_HOST_SECRET'] = 'must-not-reach-workers';
    try {
      await t.install({ name: 'idle_one' }, `export default { run() { return 1 } }`);
      await t.runtime.run('idle_one', { input: null });
      const pids = t.runtime.workerPids();
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) {
        const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
        // Nothing of the host's: the channel is a descriptor, and bubblewrap sets only PWD (to /).
        expect(environment.filter((entry) => entry !== 'PWD=/')).toEqual([]);
        if (process.getuid?.() === 0) {
          const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
          expect(uid).not.toBe('0');
        }
      }
    } finally {
      delete process.env['TALON_TEST_HOST_SECRET'];
    }
  });
});

describe('the SkillAPI in the host', () => {
  it('denies a permission that was not granted, audits it, and fails the run with that code', async () => {
    await t.install(
      { name: 'sneaky' },
      `export default { async run({ api }) { return await api.storage.get('x') } }`,
    );
    const result = await t.runtime.run('sneaky', { input: null, runId: 'run-sneaky' });
    expect(result).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    expect(result.apiCalls).toEqual([
      expect.objectContaining({ method: 'storage.get', allowed: false, error: 'permission_denied' }),
    ]);
    const [entry] = await t.audit.recent({ action: 'skillapi.storage.get' });
    expect(entry).toMatchObject({ actor: 'skill:sneaky', outcome: 'denied', source: 'run-sneaky' });
    expect(entry?.details).toMatchObject({ permission: 'storage' });
    expect(entry?.reason).toContain('storage');
  });

  it('keeps storage per skill across runs and refuses values over the cap', async () => {
    const code = `export default { async run({ input, api }) {
      if (input.set !== undefined) await api.storage.set('k', input.set);
      return { value: await api.storage.get('k'), keys: await api.storage.list() };
    } }`;
    await t.install({ name: 'keeper', permissions: ['storage'] }, code);
    await t.install({ name: 'other_keeper', permissions: ['storage'] }, code);
    await t.runtime.run('keeper', { input: { set: { n: 1 } } });
    expect(await t.runtime.run('keeper', { input: {} })).toMatchObject({
      ok: true,
      result: { value: { n: 1 }, keys: ['k'] },
    });
    expect(await t.runtime.run('other_keeper', { input: {} })).toMatchObject({
      ok: true,
      result: { value: null, keys: [] },
    });
    const big = await t.runtime.run('keeper', { input: { set: 'x'.repeat(70_000) } });
    expect(big).toMatchObject({ ok: false, error: { message: expect.stringContaining('at most') } });
  });

  it('reads non-secret settings and refuses secret ones', async () => {
    await t.settings.set('github.token', 'ghp_secretvalue123456');
    await t.install(
      { name: 'reader', permissions: ['config.read'] },
      `export default { async run({ input, api }) {
        try { return { value: await api.config.get(input) } } catch (e) { return { code: e.code, message: e.message } }
      } }`,
    );
    expect(await t.runtime.run('reader', { input: 'skills.circuit_breaker.cooldown_seconds' })).toMatchObject(
      {
        result: { value: 300 },
      },
    );
    const secret = await t.runtime.run('reader', { input: 'github.token' });
    expect(secret).toMatchObject({ ok: true, result: { code: 'permission_denied' } });
    expect(JSON.stringify(secret)).not.toContain('ghp_secretvalue');
  });

  it('runs an invoked skill with its own grants intersected with the caller’s, up to depth 3', async () => {
    await t.install(
      { name: 'vault', permissions: ['storage'] },
      `export default { async run({ api }) { await api.storage.set('loot', 1); return 'stored' } }`,
    );
    await t.install(
      { name: 'caller', permissions: ['skills.invoke'], invokes: ['vault'] },
      `export default { async run({ api }) { return await api.skills.invoke('vault', null) } }`,
    );
    const escalation = await t.runtime.run('caller', { input: null });
    expect(escalation).toMatchObject({
      ok: true,
      result: { ok: false, error: { code: 'permission_denied' } },
    });
    await t.install(
      { name: 'recurse', permissions: ['skills.invoke'], invokes: ['recurse'] },
      `export default { async run({ input, api }) {
        if (input >= 10) return input;
        const inner = await api.skills.invoke('recurse', input + 1);
        return inner.ok ? inner.result : inner.error.code + '@' + input;
      } }`,
    );
    // Depth 0 → 1 → 2 → 3; the call from depth 3 would be depth 4: denied, so the run at depth 3 fails.
    expect(await t.runtime.run('recurse', { input: 0 })).toMatchObject({
      ok: true,
      result: 'permission_denied@2',
    });
  });
});

describe('the circuit breaker', () => {
  it('opens after 3 failures, rejects at once, lets exactly one probe through after the cooldown, and closes on success', async () => {
    await t.settings.set('skills.circuit_breaker.cooldown_seconds', '1');
    const changes: BreakerChange[] = [];
    const unsubscribe = t.runtime.onBreakerChange((change) => changes.push(change));
    await t.install(
      { name: 'flaky' },
      `let healthy = false;
       export default { async run({ input }) {
         if (input === 'heal') healthy = true;
         if (!healthy) throw new Error('down');
         await new Promise((resolve) => resolve());
         return 'up';
       } }`,
    );
    for (let i = 0; i < 3; i++) expect((await t.runtime.run('flaky', { input: null })).ok).toBe(false);
    expect(t.runtime.status('flaky')?.breaker).toMatchObject({
      state: 'open',
      failures: 3,
      lastError: 'skill_error: down',
    });
    const rejected = await t.runtime.run('flaky', { input: 'heal' });
    expect(rejected).toMatchObject({ ok: false, error: { code: 'circuit_open' } });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(t.runtime.status('flaky')?.breaker.state).toBe('half_open');
    const [probe, second] = await Promise.all([
      t.runtime.run('flaky', { input: 'heal' }),
      t.runtime.run('flaky', { input: 'heal' }),
    ]);
    expect(probe).toMatchObject({ ok: true, result: 'up' });
    expect(second).toMatchObject({ ok: false, error: { code: 'circuit_open' } });
    expect(t.runtime.status('flaky')?.breaker.state).toBe('closed');
    expect(changes.map((change) => change.to)).toEqual(['open', 'half_open', 'closed']);
    unsubscribe();
  });

  it('counts only attempts a caller marks as final, so a retried workflow step is one failure', async () => {
    await t.install({ name: 'retried' }, `export default { run() { throw new Error('always') } }`);
    for (let i = 0; i < 5; i++) {
      const attempt = await t.runtime.run('retried', { input: null, breakerCountsFailure: false });
      expect(attempt).toMatchObject({ ok: false, error: { code: 'skill_error' } });
    }
    expect(t.runtime.status('retried')?.breaker).toMatchObject({ state: 'closed', failures: 0 });
    await t.runtime.run('retried', { input: null });
    expect(t.runtime.status('retried')?.breaker).toMatchObject({ state: 'closed', failures: 1 });
  });

  it('is reset by hand', async () => {
    await t.install({ name: 'broken' }, `export default { run() { throw new Error('always') } }`);
    for (let i = 0; i < 3; i++) await t.runtime.run('broken', { input: null });
    expect(t.runtime.status('broken')?.breaker.state).toBe('open');
    t.runtime.resetBreaker('broken');
    expect(t.runtime.status('broken')).toMatchObject({
      breaker: { state: 'closed', failures: 0 },
      calls: { total: 3, failed: 3 },
    });
  });
});
