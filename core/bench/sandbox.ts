/**
 * `pnpm bench:sandbox`: the sandbox's costs, measured once on this machine (not a test; numbers vary
 * with load). Prints progress to stderr, a details line, and last one JSON line with exactly:
 * rawApplyP50Us, wireFloorUs, callP50Us, callP99Us, callsPerSec, firstCallP50Ms, idleMemMb100,
 * busyMemMb10, noisyP99Ratio.
 *
 * `--no-wall` runs the workers without their second wall (bubblewrap), to measure what it costs.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ivm from 'isolated-vm';
import { validateManifest } from '@talon/skill-runtime/contract/validate-manifest.ts';
import { AuditLog } from '../src/audit/audit-log.ts';
import { SettingsCipher } from '../src/crypto/settings-cipher.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded-postgres.ts';
import { migrateUp } from '../src/db/migrate.ts';
import { openPool } from '../src/db/pool.ts';
import { createLogger } from '../src/logging/logger.ts';
import { SANDBOX_LIMITS } from '@talon/skill-runtime/limits.ts';
import { encodeFrame, FrameReader } from '@talon/skill-runtime/sandbox/frames.ts';
import { residentMemoryMb } from '@talon/skill-runtime/sandbox/process-memory.ts';
import { SETTING_DEFINITIONS } from '../src/settings/definitions.ts';
import { SettingsStore } from '../src/settings/store.ts';
import type { SkillManifest } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { SandboxSkillRuntime } from '@talon/skill-runtime/runtime/sandbox-skill-runtime.ts';
import { createTalonSkillRuntime } from '../src/skills/talon-skill-runtime.ts';
import { testPackage } from '@talon/skill-runtime/testing/memory-runtime.ts';

const IDLE_WORKER_MS = 1500;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (message: string): void => void process.stderr.write(`bench: ${message}\n`);

async function rawApply(): Promise<number> {
  const isolate = new ivm.Isolate({ memoryLimit: 32 });
  const context = await isolate.createContext();
  const fn = (await context.eval('(function (x) { return x + 1; })', { reference: true })) as ivm.Reference;
  const samples: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const started = performance.now();
    await fn.apply(undefined, [i], { result: { copy: true } });
    if (i >= 500) samples.push((performance.now() - started) * 1000);
  }
  isolate.dispose();
  return percentile(samples, 50);
}

/** The echo process of the wire's floor: frames in on descriptor 3, the same frames back out. */
const ECHO_PROCESS = `
import net from 'node:net';
const channel = new net.Socket({ fd: 3, readable: true, writable: true });
channel.on('data', (chunk) => channel.write(chunk));
channel.on('close', () => process.exit(0));
`;

/**
 * The wire's floor: a bare round trip of one small frame between two Node processes over the same
 * kind of channel the workers use (a Unix socket on descriptor 3, length-prefixed JSON frames),
 * with nothing else on either side.
 */
async function wireFloor(): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', ECHO_PROCESS], {
    stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
    env: {},
  });
  const channel = child.stdio[3] as Socket;
  const samples: number[] = [];
  let answered: (() => void) | undefined;
  const reader = new FrameReader(SANDBOX_LIMITS.maxIpcFrameBytes, {
    frame: () => answered?.(),
    oversized: () => undefined,
  });
  channel.on('data', (chunk: Buffer) => reader.push(chunk));
  for (let i = 0; i < 5000; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      answered = resolve;
      channel.write(encodeFrame({ t: 'run', run: i, skill: 0, input: String(i), config: '{}' }));
    });
    if (i >= 1000) samples.push((performance.now() - started) * 1000);
  }
  child.kill();
  return percentile(samples, 50);
}

async function memoryMb(runtime: SandboxSkillRuntime): Promise<number> {
  let total = (await residentMemoryMb(process.pid)) ?? process.memoryUsage().rss / 2 ** 20;
  for (const pid of runtime.workerPids()) total += (await residentMemoryMb(pid)) ?? 0;
  return total;
}

const ECHO = `export default { run({ input }) { return input; } };`;
const SPIN = `export default { run({ input }) { const end = Date.now() + input; let n = 0; while (Date.now() < end) n++; return n; } };`;
const manifest = (
  name: string,
  extra: Partial<SkillManifest> = {},
): Partial<SkillManifest> & { name: string } => ({
  name,
  ...extra,
});

async function main(): Promise<void> {
  const logger = createLogger('silent');
  let embedded: EmbeddedDatabase | undefined;
  let folder: string | undefined;
  let url = process.env['DATABASE_URL'];
  if (!url) {
    folder = mkdtempSync(path.join(tmpdir(), 'talon-bench-'));
    chmodSync(folder, 0o755); // PostgreSQL runs as the `postgres` user when this runs as root.
    progress('starting an embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({ clusterDir: path.join(folder, 'pg'), logger });
    url = embedded.url;
  }
  await migrateUp(url, logger);
  const pool = await openPool(url, 'the benchmark database');
  const settings = await SettingsStore.load(
    pool,
    new SettingsCipher('bench-secret-key-base-0123456789abcdefghij'),
    logger,
  );
  await settings.seed(SETTING_DEFINITIONS, {});
  const runtime = createTalonSkillRuntime({
    pool,
    settings,
    audit: new AuditLog(pool, logger),
    logger,
    limits: { defaultCpuTimeoutMs: 200, defaultWallTimeoutMs: 2000, defaultMemoryMb: 32 },
    sandbox: { idleWorkerMs: IDLE_WORKER_MS, spareWorkers: 1, wall: !process.argv.includes('--no-wall') },
  });
  const sparesReady = async (): Promise<void> => {
    await sleep(20);
    await runtime.sparesReady();
  };
  try {
    progress('(a) raw isolated-vm apply, and the wire between two processes');
    const rawApplyP50Us = await rawApply();
    const wireFloorUs = await wireFloor();

    progress('(b) warm call latency');
    await runtime.install(testPackage(manifest('echo'), ECHO));
    const latencies: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const started = performance.now();
      const result = await runtime.run('echo', { input: i });
      if (!result.ok) throw new Error(`echo failed: ${result.error.message}`);
      if (i >= 500) latencies.push((performance.now() - started) * 1000);
    }

    progress('(c) throughput across skills');
    const skills = ['echo', 'echo_2', 'echo_3', 'echo_4'];
    for (const name of skills.slice(1)) await runtime.install(testPackage(manifest(name), ECHO));
    let completed = 0;
    const throughputMs = 3000;
    const deadline = performance.now() + throughputMs;
    await Promise.all(
      Array.from({ length: 256 }, async (_, lane) => {
        while (performance.now() < deadline) {
          await runtime.run(skills[lane % skills.length]!, { input: lane });
          completed++;
        }
      }),
    );
    const callsPerSec = completed / (throughputMs / 1000);

    progress('(d) first call of a newly loaded skill');
    const firstCalls: number[] = [];
    for (let i = 0; i < 15; i++) {
      await sparesReady();
      await sleep(150);
      const started = performance.now();
      const pkg = testPackage(manifest(`fresh_${i}`), ECHO);
      const validation = validateManifest(pkg.manifest);
      if (!validation.ok) throw new Error('invalid manifest');
      await runtime.install(pkg);
      await runtime.run(`fresh_${i}`, { input: i });
      firstCalls.push(performance.now() - started);
      await runtime.uninstall(`fresh_${i}`);
    }

    progress('(e) memory: 100 skills loaded, then idle');
    for (const name of skills) await runtime.uninstall(name);
    // SPIN answers at once for 0 ms: the same 100 skills are the idle ones and, below, the busy ones.
    for (let i = 0; i < 100; i++) {
      await runtime.install(testPackage(manifest(`idle_${i}`), SPIN));
      await runtime.run(`idle_${i}`, { input: 0 });
    }
    const loadedMemMb = await memoryMb(runtime);
    await sleep(IDLE_WORKER_MS * 2);
    const idleMemMb100 = await memoryMb(runtime);
    const idleHost = process.memoryUsage();

    progress('(e) memory: 10 of them busy');
    const busyNames = Array.from({ length: 10 }, (_, i) => `idle_${i}`);
    const busyFor = async (
      names: readonly string[],
    ): Promise<{ mb: number; hostMb: number; workers: number }> => {
      let busy = true;
      const loops = names.map(async (name) => {
        while (busy) await runtime.run(name, { input: 50 });
      });
      await sleep(1500);
      const figures = {
        mb: await memoryMb(runtime),
        hostMb: (await residentMemoryMb(process.pid)) ?? 0,
        workers: runtime.workerPids().length,
      };
      busy = false;
      await Promise.all(loops);
      return figures;
    };
    // Skills in use are past their probation (SANDBOX_LIMITS.probationCalls clean calls alone), so
    // they share their cordon's workers; their probation workers are retired once idle.
    for (const name of busyNames) {
      for (let call = 0; call < SANDBOX_LIMITS.probationCalls + 1; call++)
        await runtime.run(name, { input: 0 });
    }
    await sleep(IDLE_WORKER_MS * 2);
    const established = await busyFor(busyNames);
    const busyMemMb10 = established.mb;
    // The worst case: 10 skills just installed, each alone on probation.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => runtime.install(testPackage(manifest(`busy_new_${i}`), SPIN))),
    );
    const onProbation = await busyFor(Array.from({ length: 10 }, (_, i) => `busy_new_${i}`));

    progress('(f) a benign skill beside a noisy one');
    await runtime.install(testPackage(manifest('benign'), ECHO));
    const benignP99 = async (): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < 1500; i++) {
        const started = performance.now();
        await runtime.run('benign', { input: i });
        samples.push((performance.now() - started) * 1000);
      }
      return percentile(samples, 99);
    };
    const aloneP99 = await benignP99();
    await runtime.install(testPackage(manifest('looper'), `export default { run() { for (;;) {} } };`));
    await runtime.install(
      testPackage(
        manifest('bomber'),
        `export default { run() { const a = []; for (;;) a.push(new Array(1000).fill(1)); } };`,
      ),
    );
    let noisy = true;
    const noise = ['looper', 'bomber'].map(async (name) => {
      while (noisy) {
        // Keep it really running: an open breaker would answer at once without touching the sandbox.
        runtime.resetBreaker(name);
        await runtime.run(name, { input: null });
      }
    });
    await sleep(300);
    const noisyP99 = await benignP99();
    noisy = false;
    await Promise.all(noise);

    const figures = {
      rawApplyP50Us: round(rawApplyP50Us),
      wireFloorUs: round(wireFloorUs),
      callP50Us: round(percentile(latencies, 50)),
      callP99Us: round(percentile(latencies, 99)),
      callsPerSec: Math.round(callsPerSec),
      firstCallP50Ms: round(percentile(firstCalls, 50), 2),
      idleMemMb100: round(idleMemMb100),
      busyMemMb10: round(busyMemMb10),
      noisyP99Ratio: round(noisyP99 / aloneP99, 2),
    };
    process.stdout.write(
      `${JSON.stringify({
        details: {
          memMb100LoadedBeforeIdleReap: round(loadedMemMb),
          idleHostMb: {
            rss: round(idleHost.rss / 2 ** 20),
            heapUsed: round(idleHost.heapUsed / 2 ** 20),
            heapTotal: round(idleHost.heapTotal / 2 ** 20),
            external: round(idleHost.external / 2 ** 20),
          },
          busyHostMb: round(established.hostMb),
          busyWorkers: established.workers,
          busyMemMb10NewSkillsOnProbation: round(onProbation.mb),
          busyWorkersNewSkillsOnProbation: onProbation.workers,
          idleWorkerMs: IDLE_WORKER_MS,
          benignP99AloneUs: round(aloneP99),
          benignP99NoisyUs: round(noisyP99),
          memoryCounts: 'RSS of the host process and every sandbox worker (PostgreSQL not included)',
        },
      })}\n`,
    );
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await runtime.close();
    await pool.end();
    await embedded?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
}

await main();
