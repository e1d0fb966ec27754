/**
 * The hostile-skill suite: one small skill per attack, each run through the real runtime (worker
 * processes, isolates, the SkillAPI gate, limits). For every attack: the outcome is the typed error
 * expected, a benign skill called in parallel keeps returning correct results, a running Talon
 * keeps answering /health, and no host state changes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue, SkillRunResult } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { grantedAsRequested, readSkillFolderAt } from '@talon/skill-runtime/package/package-reader.ts';
import type { SandboxSkillRuntime } from '@talon/skill-runtime/runtime/sandbox-skill-runtime.ts';
import { createTalonSkillRuntime } from '@talon/core/skills/talon-skill-runtime.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { createTestApp, type TestApp } from '@talon/core/testing/test-app.ts';
import { createTestSkillRuntime, type TestSkillRuntime } from '@talon/core/testing/skill-runtime.ts';

const SKILLS = path.join(import.meta.dirname, 'skills');
// Short limits keep the suite fast; the mechanisms are the same at the defaults.
const LIMITS = { defaultCpuTimeoutMs: 300, defaultWallTimeoutMs: 1500, defaultMemoryMb: 32 };

type Expectation =
  | { error: readonly string[]; message?: RegExp }
  /** Refused by Talon's package reader (manifest, bundle scan) before any of its code runs. */
  | { refusedAtInstall: string }
  | { result: (value: JsonValue) => void };

const contained = { error: ['skill_error'], message: /^contained: / } as const;

const ATTACKS: Record<string, Expectation> = {
  escape_constructor: contained,
  escape_api_function: contained,
  escape_prepare_stack_trace: contained,
  escape_proxy_traps: contained,
  escape_promise_species: contained,
  escape_inspect_hook: { result: (value) => expect(value).toEqual({ label: 'plain data only' }) },
  escape_error_reflection: contained,
  // The bundle scan refuses eval, import and WebAssembly before any code runs; each *_unscanned
  // twin reaches for the same thing past the scan, and the sandbox holds on its own.
  probe_globals: { refusedAtInstall: 'bundle_invalid' },
  probe_globals_unscanned: contained,
  import_static: { refusedAtInstall: 'bundle_invalid' },
  import_dynamic_unscanned: { error: ['skill_error'], message: /^contained: import refused/ },
  loop_sync: { error: ['timeout'] },
  loop_async: { error: ['timeout'] },
  // Its promise chain grows the heap while it burns CPU: the memory or the CPU limit ends it, as in
  // the parity test (the CPU limit first on a quiet machine; the memory limit seen under CI's load).
  microtask_flood: { error: ['timeout', 'memory_limit'] },
  never_settles: { error: ['timeout'], message: /deadline/ },
  // V8 may give up on this one before the isolate's own limit fires; either way only its worker dies.
  array_1e9: { error: ['memory_limit', 'crashed'] },
  giant_string: { error: ['skill_error', 'memory_limit'] },
  memory_hog: { error: ['memory_limit'] },
  wasm_memory: { refusedAtInstall: 'bundle_invalid' },
  wasm_memory_unscanned: { error: ['skill_error'], message: /undefined/ },
  wasm_compile: { error: ['skill_error'] },
  deep_recursion: { error: ['skill_error'], message: /call stack/ },
  huge_result: { error: ['result_too_large'] },
  result_infinite_getter: { error: ['timeout'] },
  result_proxy: { error: ['timeout'] },
  result_tojson_function: { error: ['invalid_result'] },
  result_function: { error: ['invalid_result'] },
  throw_looping_getter: { error: ['timeout'] },
  throw_proxy: { error: ['timeout'] },
  undeclared_api: { error: ['permission_denied'] },
  log_flood: { error: ['rate_limited'] },
  api_flood: { error: ['rate_limited'] },
  api_sync_flood: { error: ['timeout'] },
  config_secret: { error: ['permission_denied'] },
  http_not_in_net: { error: ['host_not_allowed'] },
  http_loopback: { error: ['host_not_allowed'], message: /private or loopback/ },
  secret_not_granted: { error: ['secret_not_granted'] },
  invoke_escalation: {
    result: (value) => expect(value).toMatchObject({ ok: false, error: { code: 'permission_denied' } }),
  },
  invoke_chain_bomb: { result: (value) => expect(JSON.stringify(value)).toContain('chain depth 4 exceeds') },
  // It may invoke only what its manifest lists and the owner approved.
  invoke_undeclared: { error: ['permission_denied'], message: /may not invoke "privileged_vault"/ },
  tamper_glue: { result: (value) => expect(value).toBe('tampered') },
};

let t: TestSkillRuntime;
let talon: TestApp;
let healthUrl: string;
let hostStateBefore: string;

async function hostState(): Promise<string> {
  const settings = t.settings.list();
  const storage: unknown = await t.database.pool.oneFirst(
    sql.unsafe`SELECT COUNT(*)::int FROM skill_storage`,
  );
  return JSON.stringify({ settings, storage, env: process.env, globals: Object.keys(globalThis).sort() });
}

/** Runs `attack` while a benign skill and a /health probe run in parallel; returns what all three saw. */
async function underAttack(
  attack: () => Promise<SkillRunResult>,
  runtime: SandboxSkillRuntime = t.runtime,
): Promise<{
  outcome: SkillRunResult;
  benign: SkillRunResult[];
  health: number[];
}> {
  let done = false;
  const benign: SkillRunResult[] = [];
  const health: number[] = [];
  const benignLoop = (async () => {
    for (let i = 1; !done || benign.length === 0; i++) {
      const result = await runtime.run('benign_doubler', { input: i });
      benign.push(result);
      if (!result.ok || JSON.stringify(result.result) !== JSON.stringify({ doubled: i * 2 })) break;
    }
  })();
  const healthLoop = (async () => {
    while (!done || health.length === 0) {
      const response = await fetch(healthUrl).catch(() => undefined);
      health.push(response?.status ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  try {
    const outcome = await attack();
    return { outcome, benign, health };
  } finally {
    done = true;
    await Promise.all([benignLoop, healthLoop]);
  }
}

async function install(runtime: SandboxSkillRuntime, name: string, net?: string[]): Promise<void> {
  // Through Talon's own package reader: the same folder, manifest and bundle checks as SKILLS_DIR.
  const pkg = grantedAsRequested(await readSkillFolderAt(path.join(SKILLS, name), 'dynamic'), 'dynamic');
  if (net) {
    pkg.manifest.net = net;
    pkg.grants.net = net;
  }
  await runtime.install(pkg);
}

beforeAll(async () => {
  t = await createTestSkillRuntime({ limits: LIMITS, sandbox: { idleWorkerMs: 1000, spareWorkers: 1 } });
  talon = await createTestApp({ database: t.database });
  await talon.app.listen({ host: '127.0.0.1', port: 0 });
  healthUrl = `http://127.0.0.1:${(talon.app.server.address() as AddressInfo).port}/health`;
  await t.settings.set('telegram.bot_token', '123456:telegram-secret-value');
  await install(t.runtime, 'benign_doubler');
  await install(t.runtime, 'privileged_vault');
  hostStateBefore = await hostState();
}, 60_000);

afterAll(async () => {
  await talon?.close();
  await t?.close();
});

describe('hostile skills', () => {
  for (const [name, expectation] of Object.entries(ATTACKS)) {
    it(`${name}: ${'refusedAtInstall' in expectation ? 'refused at install' : 'contained'}`, async () => {
      const installing = install(t.runtime, name);
      if ('refusedAtInstall' in expectation) {
        await expect(installing).rejects.toMatchObject({ code: expectation.refusedAtInstall });
        return;
      }
      await installing;
      const { outcome, benign, health } = await underAttack(() => t.runtime.run(name, { input: null }));
      if ('result' in expectation) {
        expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
        if (outcome.ok) expectation.result(outcome.result);
      } else {
        expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
        if (!outcome.ok) {
          expect(expectation.error).toContain(outcome.error.code);
          if (expectation.message) expect(outcome.error.message).toMatch(expectation.message);
        }
      }
      expect(benign.length).toBeGreaterThan(0);
      benign.forEach((result) => expect(result.ok, JSON.stringify(result)).toBe(true));
      expect(
        health.every((status) => status === 200),
        `health: ${health.join(',')}`,
      ).toBe(true);
      expect(await hostState()).toBe(hostStateBefore);
      await t.runtime.uninstall(name);
    });
  }

  it('http_redirect_off_list: a redirect to a host off the allowlist is refused, and the secret never leaves', async () => {
    const requests: string[] = [];
    const server: Server = createServer((request, response) => {
      requests.push(`${request.headers.host}${request.url}`);
      response.writeHead(302, { location: 'http://attacker.example.net/collect' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Reaching a loopback server needs the owner's explicit opt-in; only this runtime has it.
    const loopback = createTalonSkillRuntime({
      pool: t.database.pool,
      settings: t.settings,
      audit: t.audit,
      logger: createLogger('silent'),
      limits: LIMITS,
      network: { allowPrivateAddresses: true, allowPlainHttp: true },
    });
    try {
      await install(loopback, 'http_redirect_off_list', [`127.0.0.1:${port}`]);
      const { outcome, benign, health } = await underAttack(() =>
        loopback.run('http_redirect_off_list', { input: { url: `http://127.0.0.1:${port}/start` } }),
      );
      expect(outcome).toMatchObject({ ok: false, error: { code: 'host_not_allowed' } });
      if (!outcome.ok) expect(outcome.error.message).toContain('attacker.example.net');
      expect(requests).toEqual([`127.0.0.1:${port}/start`]);
      benign.forEach((result) => expect(result.ok).toBe(true));
      expect(health.every((status) => status === 200)).toBe(true);
    } finally {
      await loopback.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe('from a skill that shares the benign skill’s worker (one cordon)', () => {
    // Both hold no permission and are past probation at once: the attack's isolate sits beside the
    // benign one in the same worker process, which a killing attack takes down with it.
    let shared: SandboxSkillRuntime;
    const ATTACKS_THAT_SHARE = [
      'memory_hog',
      'never_settles',
      'array_1e9',
      'loop_sync',
      'escape_constructor',
    ];

    beforeAll(async () => {
      shared = createTalonSkillRuntime({
        pool: t.database.pool,
        settings: t.settings,
        audit: t.audit,
        logger: createLogger('silent'),
        limits: LIMITS,
        // A suspect runs alone for its re-run, and shares again by the next attack.
        sandbox: { spareWorkers: 1, placement: { probationCalls: 0, cooldownMs: 300, workersPerCordon: 1 } },
      });
      await install(shared, 'benign_doubler');
    });

    afterAll(async () => {
      await shared?.close();
    });

    for (const name of ATTACKS_THAT_SHARE) {
      it(`${name}: contained, and the benign neighbour's calls all come back right`, async () => {
        const expectation = ATTACKS[name]!;
        await install(shared, name);
        // The attack's isolate is in the benign skill's worker. (After an attack whose kill had no
        // known culprit, the benign skill sat out a cooldown alone; its next call after it rejoins.)
        await expect
          .poll(
            async () => {
              expect(await shared.run('benign_doubler', { input: 1 })).toMatchObject({ ok: true });
              return shared.workerOf('benign_doubler');
            },
            { timeout: 5_000, interval: 100 },
          )
          .toBe(shared.workerOf(name));
        expect(shared.workerOf(name)).toBeDefined();
        const { outcome, benign, health } = await underAttack(
          () => shared.run(name, { input: null }),
          shared,
        );
        expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
        if (!outcome.ok && 'error' in expectation) expect(expectation.error).toContain(outcome.error.code);
        expect(benign.length).toBeGreaterThan(0);
        benign.forEach((result) => expect(result.ok, JSON.stringify(result)).toBe(true));
        expect(health.every((status) => status === 200)).toBe(true);
        await shared.uninstall(name);
      });
    }
  });

  it('wrote every denial to the audit log with the skill, the permission and the reason', async () => {
    const denials = await t.audit.recent({ outcome: 'denied', limit: 500 });
    const byActor = new Map(denials.map((entry) => [entry.actor, entry]));
    expect(byActor.get('skill:undeclared_api')).toMatchObject({
      action: 'skillapi.shell.exec',
      details: { permission: 'shell' },
    });
    expect(byActor.get('skill:http_not_in_net')?.reason).toContain('example.org');
    expect(byActor.get('skill:secret_not_granted')?.reason).toContain('telegram.bot_token');
    expect(byActor.get('skill:privileged_vault')).toMatchObject({ action: 'skillapi.storage.set' });
    // A flood writes one row per kind of denial, not one per call.
    expect(denials.filter((entry) => entry.actor === 'skill:api_flood').length).toBe(1);
    const text = JSON.stringify(denials, (_key, value: unknown) =>
      typeof value === 'bigint' ? String(value) : value,
    );
    expect(text).not.toContain('telegram-secret-value');
  });
});
