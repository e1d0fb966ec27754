import { createServer, type AddressInfo } from 'node:net';
import { SANDBOX_LIMITS } from '../limits.ts';
import type { Logger } from '../ports.ts';
import type { IsolateLimits } from './protocol.ts';
import { SandboxError } from './sandbox-error.ts';
import { checkWall, prepareWall, type Wall, type WallStatus } from './wall.ts';
import { workerFiles } from './worker-entry.ts';
import {
  afterKill,
  DEFAULT_PLACEMENT,
  sharedCordon,
  type PlacementPolicy,
  type PlacementRecord,
} from './placement.ts';
import { WorkerHomes, type Home } from './worker-homes.ts';
import { INFO_FD, SandboxWorker, type RunOutcome } from './worker-process.ts';
import { unprivilegedWorkerUser, whyWorkerUserCannotRun, type WorkerUser } from './worker-user.ts';

export type { RunOutcome };

export interface SkillLimits extends IsolateLimits {
  /** Wall-clock deadline of one call, including time spent waiting on the host's SkillAPI. */
  wallTimeoutMs: number;
}

/** Answers one SkillAPI call of a run with the JSON envelope `{ result }` or `{ error: { code, message } }`. */
export type ApiCallHandler = (method: string, argsJson: string) => Promise<string>;

export interface SandboxOptions {
  logger: Logger;
  /** Every `area.method` the isolate's `api` object offers (the host still checks each call). */
  apiFunctions: readonly string[];
  /** Workers started ahead with isolated-vm loaded, so placing a skill costs no process start. */
  spareWorkers?: number;
  /** A skill's worker with no call for this long is stopped; the next call places it again. */
  idleWorkerMs?: number;
  /** Resident memory a worker may use beyond the skill's isolate limit (Node itself, isolated-vm, code). */
  workerOverheadMb?: number;
  /**
   * Niceness of a placed worker (0: a call competes with everything else on the machine as the host
   * does). A spare runs 5 higher; a worker with a call running over 50 ms drops to 19 until idle.
   */
  niceness?: number;
  /** Defaults to `nobody` when the host runs as root. */
  workerUser?: WorkerUser | undefined;
  /** The second wall (bubblewrap namespaces) around workers; on unless switched off here. */
  wall?: boolean;
  /** Who may share a worker, and when (placement.ts); tests shorten probation and cooldown. */
  placement?: Partial<PlacementPolicy>;
  /**
   * SkillAPI functions with no effect outside the isolate: a call lost with a shared worker that
   * made only these is run again once, on another worker (reads and log lines bear repeating).
   */
  effectFreeFunctions?: ReadonlySet<string>;
}

interface Slot extends PlacementRecord {
  name: string;
  code: string;
  limits: SkillLimits;
  home: Home | undefined;
  moving: Promise<Home> | undefined;
  lastUsed: number;
}

/**
 * Places skills in sandbox worker processes and runs their calls. A skill runs in a worker of its
 * own until it may share one with its cordon (placement.ts); a worker killed for one skill's call
 * (its deadline, its memory, a crash) fails only that call, and a neighbour's call lost with it is
 * run once more elsewhere when it had done nothing outside its isolate yet. Workers with no call
 * for a while are stopped; the next call places the skill again. See README.md for why.
 */
export class Sandbox {
  readonly #options: Required<
    Omit<SandboxOptions, 'workerUser' | 'wall' | 'placement' | 'effectFreeFunctions'>
  > & {
    workerUser: WorkerUser | undefined;
  };
  readonly #policy: PlacementPolicy;
  readonly #effectFree: ReadonlySet<string>;
  readonly #wall: Wall;
  #wallStatus: Promise<WallStatus> | undefined;
  readonly #homes: WorkerHomes;
  readonly #slots = new Map<string, Slot>();
  readonly #apiHandlers = new Map<number, ApiCallHandler>();
  /** Runs that made a SkillAPI call with an effect outside the isolate (they are never run again). */
  readonly #effectful = new Set<number>();
  readonly #reaper: NodeJS.Timeout;
  #nextRun = 0;

  constructor(options: SandboxOptions) {
    const workerUser = 'workerUser' in options ? options.workerUser : unprivilegedWorkerUser();
    if (workerUser === undefined && process.getuid?.() === 0 && !('workerUser' in options)) {
      throw new SandboxError(
        'crashed',
        'Talon runs as root but there is no `nobody` account to run skill workers as',
      );
    }
    if (workerUser !== undefined) {
      // Fail at start with the reason, rather than with every skill call timing out later.
      const problem =
        whyWorkerUserCannotRun(workerUser, process.execPath, true) ??
        whyWorkerUserCannotRun(workerUser, workerFiles().entry, false);
      if (problem !== undefined) {
        throw new SandboxError(
          'crashed',
          `Skill workers run as the unprivileged user nobody, who cannot start them: ${problem}. ` +
            'Install Node and Talon in folders every user can read (e.g. under /opt), or run Talon as a non-root user',
        );
      }
    }
    this.#wall = prepareWall(workerFiles(), {
      user: workerUser,
      infoFd: INFO_FD,
      useWall: options.wall ?? true,
    });
    this.#options = {
      spareWorkers: SANDBOX_LIMITS.spareWorkers,
      idleWorkerMs: SANDBOX_LIMITS.idleWorkerMs,
      workerOverheadMb: SANDBOX_LIMITS.workerOverheadMb,
      niceness: 0,
      ...options,
      workerUser,
    };
    this.#policy = { ...DEFAULT_PLACEMENT, ...options.placement };
    this.#effectFree = options.effectFreeFunctions ?? new Set();
    this.#homes = new WorkerHomes({
      spawn: () =>
        new SandboxWorker({
          apiFunctions: this.#options.apiFunctions,
          launch: this.#wall.worker,
          niceness: this.#options.niceness,
        }),
      onApiCall: (worker, run, call, method, args) => this.#answer(worker, run, call, method, args),
      spareWorkers: this.#options.spareWorkers,
      workerOverheadMb: this.#options.workerOverheadMb,
      maxSkillsPerWorker: this.#policy.maxSkillsPerWorker,
      workersPerCordon: this.#policy.workersPerCordon,
      spareRefillDelayMs: SANDBOX_LIMITS.spareRefillDelayMs,
    });
    this.#reaper = setInterval(() => this.#reapIdle(), Math.max(250, this.#options.idleWorkerMs / 4));
    this.#reaper.unref();
  }

  /**
   * Evaluates the skill's module now, replacing a skill of the same name: in a worker of its own (a
   * new or upgraded skill starts on probation); skills with the same `cordon` may share one later.
   */
  async place(name: string, code: string, limits: SkillLimits, cordon?: string): Promise<void> {
    const slot: Slot = {
      name,
      code,
      limits,
      cordon,
      cleanCalls: 0,
      aloneUntil: 0,
      home: undefined,
      moving: undefined,
      lastUsed: Date.now(),
    };
    slot.home = await this.#homes.open(slot, sharedCordon(slot, this.#policy, Date.now()));
    const previous = this.#slots.get(name);
    this.#slots.set(name, slot);
    if (previous?.home) this.#homes.leave(previous.home, name);
  }

  async remove(name: string): Promise<void> {
    const slot = this.#slots.get(name);
    this.#slots.delete(name);
    if (slot?.home) this.#homes.leave(slot.home, name);
  }

  has(name: string): boolean {
    return this.#slots.has(name);
  }

  async run(name: string, input: string, config: string, onApiCall: ApiCallHandler): Promise<RunOutcome> {
    const slot = this.#slots.get(name);
    if (!slot)
      return { ok: false, code: 'crashed', message: `the skill "${name}" is not placed in the sandbox` };
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#runOnce(slot, input, config, onApiCall);
      if (outcome.ok) return outcome;
      const { lost, effectful, ...failure } = outcome;
      if (lost === undefined) return failure;
      // Lost with a shared worker: run once more (now elsewhere) if it did nothing outside yet.
      if (attempt === 0 && !effectful) continue;
      // Not run again: its own code, which does not count to its breaker (it may not be at fault).
      return { ...failure, code: 'worker_lost' };
    }
  }

  /** Process ids of every live worker (spares included, bubblewrap's too), for memory accounting. */
  workerPids(): number[] {
    return this.#homes.pids();
  }

  /** The process id of the worker the skill lives in now (undefined while it has none). */
  workerOf(name: string): number | undefined {
    const home = this.#slots.get(name)?.home;
    return home?.worker.alive ? home.worker.pids.at(-1) : undefined;
  }

  /**
   * Whether the second wall stands, checked once from inside (see wall.ts): a probe behind the same
   * wall as the workers must not reach a port this host opens on 127.0.0.1 for the check.
   */
  wallStatus(): Promise<WallStatus> {
    this.#wallStatus ??= (async () => {
      const server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        return await checkWall(this.#wall, (server.address() as AddressInfo).port);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    })();
    return this.#wallStatus;
  }

  /** Resolves once the warm spares are started (benchmarks and tests wait on it). */
  sparesReady(): Promise<void> {
    return this.#homes.sparesReady();
  }

  async close(): Promise<void> {
    clearInterval(this.#reaper);
    this.#slots.clear();
    await this.#homes.close();
  }

  async #runOnce(
    slot: Slot,
    input: string,
    config: string,
    onApiCall: ApiCallHandler,
  ): Promise<RunOutcome & { effectful?: boolean }> {
    slot.lastUsed = Date.now();
    let home: Home;
    try {
      home = await this.#homeFor(slot);
    } catch (error) {
      return error instanceof SandboxError
        ? { ok: false, code: error.code, message: error.message }
        : { ok: false, code: 'crashed', message: 'the skill could not be placed in a worker' };
    }
    const run = ++this.#nextRun;
    this.#apiHandlers.set(run, onApiCall);
    try {
      const outcome = await home.worker.run(run, home.id, input, config, slot.limits.wallTimeoutMs);
      const killed = !home.worker.alive && !outcome.ok;
      if (killed && outcome.lost !== 'neighbour') afterKill(slot, this.#policy, Date.now());
      else if (!killed) slot.cleanCalls += 1;
      return outcome.ok ? outcome : { ...outcome, effectful: this.#effectful.has(run) };
    } finally {
      this.#apiHandlers.delete(run);
      this.#effectful.delete(run);
      slot.lastUsed = Date.now();
    }
  }

  /** Where the skill's next call runs: its current home while it still fits, else a new one. */
  #homeFor(slot: Slot): Promise<Home> {
    const cordon = sharedCordon(slot, this.#policy, Date.now());
    const home = slot.home;
    if (home && home.worker.alive && home.cordon === cordon) return Promise.resolve(home);
    slot.moving ??= this.#homes.open(slot, cordon).then(
      (moved) => {
        slot.moving = undefined;
        if (this.#slots.get(slot.name) !== slot) {
          this.#homes.leave(moved, slot.name);
          throw new SandboxError('crashed', `the skill "${slot.name}" was removed`);
        }
        const previous = slot.home;
        slot.home = moved;
        if (previous && previous !== moved) this.#homes.leave(previous, slot.name);
        return moved;
      },
      (error: unknown) => {
        slot.moving = undefined;
        throw error;
      },
    );
    return slot.moving;
  }

  #answer(worker: SandboxWorker, run: number, call: number, method: string, args: string): void {
    const handler = this.#apiHandlers.get(run);
    if (!handler) return;
    if (!this.#effectFree.has(method)) this.#effectful.add(run);
    handler(method, args).then(
      (envelope) => worker.answerApi(run, call, envelope),
      () =>
        worker.answerApi(
          run,
          call,
          JSON.stringify({
            error: { code: 'internal_error', message: 'the host could not answer this call' },
          }),
        ),
    );
  }

  #reapIdle(): void {
    const cutoff = Date.now() - this.#options.idleWorkerMs;
    for (const slot of this.#slots.values()) {
      if (slot.home && slot.moving === undefined && slot.lastUsed < cutoff && !this.#hasRunsOf(slot)) {
        const idle = slot.home;
        slot.home = undefined;
        this.#homes.leave(idle, slot.name);
      }
    }
  }

  #hasRunsOf(slot: Slot): boolean {
    return slot.home !== undefined && slot.home.worker.hasRunsOf(slot.home.id);
  }
}
