import { createServer, type AddressInfo } from 'node:net';
import { SANDBOX_LIMITS } from '../limits.ts';
import type { Logger } from '../ports.ts';
import type { IsolateLimits } from './protocol.ts';
import { SandboxError } from './sandbox-error.ts';
import { checkWall, prepareWall, type Wall, type WallStatus } from './wall.ts';
import { workerFiles } from './worker-entry.ts';
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
}

interface Slot {
  name: string;
  code: string;
  limits: SkillLimits;
  worker: SandboxWorker | undefined;
  placing: Promise<SandboxWorker> | undefined;
  lastUsed: number;
}

/**
 * Places skills in sandbox worker processes: one worker (one isolate) per skill, taken from a warm
 * spare, stopped when idle, replaced after it dies. See README.md for why this placement.
 */
export class Sandbox {
  readonly #options: Required<Omit<SandboxOptions, 'workerUser' | 'wall'>> & {
    workerUser: WorkerUser | undefined;
  };
  readonly #wall: Wall;
  #wallStatus: Promise<WallStatus> | undefined;
  readonly #slots = new Map<string, Slot>();
  readonly #spares: SandboxWorker[] = [];
  readonly #apiHandlers = new Map<number, ApiCallHandler>();
  readonly #reaper: NodeJS.Timeout;
  #nextRun = 0;
  #closed = false;
  /** The limits of the last skill placed: the next spare prepares an isolate with them. */
  #lastLimits: SkillLimits | undefined;

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
    this.#reaper = setInterval(() => this.#reapIdle(), Math.max(250, this.#options.idleWorkerMs / 4));
    this.#reaper.unref();
    this.#refillSpares();
  }

  /** Evaluates the skill's module in a worker of its own now, replacing a skill of the same name. */
  async place(name: string, code: string, limits: SkillLimits): Promise<void> {
    this.#lastLimits = limits;
    const slot: Slot = { name, code, limits, worker: undefined, placing: undefined, lastUsed: Date.now() };
    const worker = await this.#startWorker(slot);
    const previous = this.#slots.get(name);
    this.#slots.set(name, slot);
    slot.worker = worker;
    if (previous?.worker) this.#retire(previous.worker);
  }

  async remove(name: string): Promise<void> {
    const slot = this.#slots.get(name);
    this.#slots.delete(name);
    if (slot?.worker) this.#retire(slot.worker);
  }

  has(name: string): boolean {
    return this.#slots.has(name);
  }

  async run(name: string, input: string, config: string, onApiCall: ApiCallHandler): Promise<RunOutcome> {
    const slot = this.#slots.get(name);
    if (!slot)
      return { ok: false, code: 'crashed', message: `the skill "${name}" is not placed in the sandbox` };
    slot.lastUsed = Date.now();
    let worker: SandboxWorker;
    try {
      worker = slot.worker?.alive ? slot.worker : await this.#replace(slot);
    } catch (error) {
      return error instanceof SandboxError
        ? { ok: false, code: error.code, message: error.message }
        : { ok: false, code: 'crashed', message: 'the skill could not be placed in a worker' };
    }
    const run = ++this.#nextRun;
    this.#apiHandlers.set(run, onApiCall);
    try {
      return await worker.run(run, input, config, slot.limits.wallTimeoutMs);
    } finally {
      this.#apiHandlers.delete(run);
      slot.lastUsed = Date.now();
    }
  }

  /** Process ids of every live worker (spares included, bubblewrap's too), for memory accounting. */
  workerPids(): number[] {
    const workers = [...[...this.#slots.values()].map((slot) => slot.worker), ...this.#spares];
    return workers.flatMap((worker) => worker?.pids ?? []);
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
  async sparesReady(): Promise<void> {
    await Promise.all(this.#spares.map((worker) => worker.ready.catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#reaper);
    const workers = [...this.#spares, ...[...this.#slots.values()].map((slot) => slot.worker)];
    this.#spares.length = 0;
    this.#slots.clear();
    await Promise.all(
      workers.map(
        (worker) =>
          worker &&
          new Promise<void>((resolve) => {
            worker.onExit(resolve);
            worker.kill('crashed', 'the sandbox is closing');
          }),
      ),
    );
  }

  #replace(slot: Slot): Promise<SandboxWorker> {
    slot.placing ??= this.#startWorker(slot).then(
      (worker) => {
        slot.placing = undefined;
        if (this.#slots.get(slot.name) === slot) slot.worker = worker;
        else this.#retire(worker);
        return worker;
      },
      (error: unknown) => {
        slot.placing = undefined;
        throw error;
      },
    );
    return slot.placing;
  }

  async #startWorker(slot: Slot): Promise<SandboxWorker> {
    if (this.#closed) throw new SandboxError('crashed', 'the sandbox is closed');
    const worker = this.#takeSpare();
    worker.onApiCall((run, call, method, args) => this.#answer(worker, run, call, method, args));
    worker.onExit(() => {
      if (slot.worker === worker) slot.worker = undefined;
    });
    const { memoryMb, wallTimeoutMs } = slot.limits;
    await worker.load(slot.code, slot.limits, memoryMb + this.#options.workerOverheadMb, wallTimeoutMs);
    return worker;
  }

  #answer(worker: SandboxWorker, run: number, call: number, method: string, args: string): void {
    const handler = this.#apiHandlers.get(run);
    if (!handler) return;
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

  #takeSpare(): SandboxWorker {
    let worker = this.#spares.shift();
    while (worker && !worker.alive) worker = this.#spares.shift();
    // Started a little later: forking now would compete with the load this spare is about to serve.
    setTimeout(() => this.#refillSpares(), SANDBOX_LIMITS.spareRefillDelayMs).unref();
    return worker ?? this.#spawn();
  }

  #spawn(): SandboxWorker {
    return new SandboxWorker({
      apiFunctions: this.#options.apiFunctions,
      launch: this.#wall.worker,
      niceness: this.#options.niceness,
    });
  }

  #refillSpares(): void {
    for (let index = this.#spares.length - 1; index >= 0; index--) {
      if (!this.#spares[index]!.alive) this.#spares.splice(index, 1);
    }
    while (!this.#closed && this.#spares.length < this.#options.spareWorkers) {
      const worker = this.#spawn();
      worker.onExit(() => this.#closed || setImmediate(() => this.#refillSpares()));
      if (this.#lastLimits) worker.prepare(this.#lastLimits);
      this.#spares.push(worker);
    }
  }

  /** Stops a worker once its last call has settled (a replaced or removed skill). */
  #retire(worker: SandboxWorker): void {
    if (!worker.busy) worker.kill('crashed', 'the skill was replaced or removed');
    else setTimeout(() => this.#retire(worker), 100).unref();
  }

  #reapIdle(): void {
    const cutoff = Date.now() - this.#options.idleWorkerMs;
    for (const slot of this.#slots.values()) {
      if (slot.worker && !slot.worker.busy && slot.lastUsed < cutoff) {
        const idle = slot.worker;
        slot.worker = undefined;
        idle.kill('crashed', 'stopped while idle');
      }
    }
  }
}
