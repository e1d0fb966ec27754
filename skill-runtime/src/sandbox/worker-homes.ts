/**
 * The worker processes skills live in: a worker of its own for a skill that may not (or may not
 * yet) share, one shared worker per cordon for those that may (placement.ts), and warm spares, so
 * placing a skill costs no process start. Each skill has an isolate of its own wherever it lives.
 */
import type { SkillLimits } from './sandbox.ts';
import { SandboxError } from './sandbox-error.ts';
import type { SandboxWorker } from './worker-process.ts';

/** Where one skill is loaded: the worker, and its number there. */
export interface Home {
  worker: SandboxWorker;
  id: number;
  /** The cordon of a shared worker; undefined for a worker of the skill's own. */
  cordon: string | undefined;
}

interface SharedWorker {
  worker: SandboxWorker;
  cordon: string;
  /** The skills loaded in it: name → number and memory limit. */
  skills: Map<string, { id: number; memoryMb: number }>;
  nextId: number;
}

export interface WorkerHomesOptions {
  /** Starts a worker process (behind the wall, as the worker user). */
  spawn(): SandboxWorker;
  /** Called for every SkillAPI call a worker relays. */
  onApiCall(worker: SandboxWorker, run: number, call: number, method: string, args: string): void;
  spareWorkers: number;
  /** Resident memory a worker may use beyond its isolates' limits (MB). */
  workerOverheadMb: number;
  maxSkillsPerWorker: number;
  /** Shared workers one cordon spreads its skills over (one per core: its calls run in parallel). */
  workersPerCordon: number;
  /** After a spare is taken, the next is forked this much later (ms), off the load it serves. */
  spareRefillDelayMs: number;
}

export class WorkerHomes {
  readonly #options: WorkerHomesOptions;
  readonly #spares: SandboxWorker[] = [];
  readonly #solo = new Set<SandboxWorker>();
  readonly #shared = new Map<string, SharedWorker[]>();
  #closed = false;
  /** The limits of the last skill placed: the next spare prepares an isolate with them. */
  #lastLimits: SkillLimits | undefined;

  constructor(options: WorkerHomesOptions) {
    this.#options = options;
    this.#refillSpares();
  }

  /** A home for the skill: a worker of its own (`cordon` undefined) or its cordon's shared worker. */
  async open(
    skill: { name: string; code: string; limits: SkillLimits },
    cordon: string | undefined,
  ): Promise<Home> {
    if (this.#closed) throw new SandboxError('crashed', 'the sandbox is closed');
    if (cordon === undefined) {
      this.#lastLimits = skill.limits;
      const worker = this.#take();
      this.#solo.add(worker);
      worker.onExit(() => this.#solo.delete(worker));
      worker.setRssLimit(skill.limits.memoryMb + this.#options.workerOverheadMb);
      try {
        await worker.load(0, skill.code, skill.limits, skill.limits.wallTimeoutMs);
      } catch (error) {
        this.#stop(worker, 'the skill could not be loaded');
        throw error;
      }
      return { worker, id: 0, cordon: undefined };
    }
    const shared = this.#sharedWorkerWithRoom(cordon);
    const id = shared.nextId++;
    shared.skills.set(skill.name, { id, memoryMb: skill.limits.memoryMb });
    this.#setSharedRssLimit(shared);
    try {
      await shared.worker.load(id, skill.code, skill.limits, skill.limits.wallTimeoutMs);
    } catch (error) {
      shared.skills.delete(skill.name);
      this.#setSharedRssLimit(shared);
      throw error;
    }
    return { worker: shared.worker, id, cordon };
  }

  /** The skill leaves its home: its own worker stops once its calls end; a shared one unloads it. */
  leave(home: Home, name: string): void {
    if (home.cordon === undefined) return this.#retire(home.worker);
    const shared = this.#shared.get(home.cordon)?.find((candidate) => candidate.worker === home.worker);
    if (!shared || shared.skills.get(name)?.id !== home.id) return;
    shared.skills.delete(name);
    this.#setSharedRssLimit(shared);
    if (shared.skills.size === 0) this.#retire(shared.worker);
    else if (shared.worker.alive) shared.worker.unload(home.id);
  }

  /** Process ids of every live worker, spares included (bubblewrap's too). */
  pids(): number[] {
    const shared = [...this.#shared.values()].flat().map((entry) => entry.worker);
    return [...this.#solo, ...shared, ...this.#spares].flatMap((worker) => worker.pids);
  }

  /** Resolves once the warm spares are started. */
  async sparesReady(): Promise<void> {
    await Promise.all(this.#spares.map((worker) => worker.ready.catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const workers = [
      ...this.#spares,
      ...this.#solo,
      ...[...this.#shared.values()].flat().map((s) => s.worker),
    ];
    this.#spares.length = 0;
    this.#solo.clear();
    this.#shared.clear();
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.onExit(resolve);
            worker.kill('crashed', 'the sandbox is closing');
          }),
      ),
    );
  }

  /** The cordon's least-filled worker, or a new one while the cordon has fewer than its share. */
  #sharedWorkerWithRoom(cordon: string): SharedWorker {
    const workers = (this.#shared.get(cordon) ?? []).filter((entry) => entry.worker.alive);
    const fewest = workers.reduce<SharedWorker | undefined>(
      (best, entry) => (best === undefined || entry.skills.size < best.skills.size ? entry : best),
      undefined,
    );
    const hasRoom = fewest !== undefined && fewest.skills.size < this.#options.maxSkillsPerWorker;
    const enoughWorkers = workers.length >= this.#options.workersPerCordon;
    if (fewest && hasRoom && (enoughWorkers || fewest.skills.size === 0)) {
      this.#shared.set(cordon, workers);
      return fewest;
    }
    const created: SharedWorker = { worker: this.#take(), cordon, skills: new Map(), nextId: 0 };
    created.worker.onExit(() => {
      const remaining = (this.#shared.get(cordon) ?? []).filter((entry) => entry !== created);
      if (remaining.length > 0) this.#shared.set(cordon, remaining);
      else this.#shared.delete(cordon);
    });
    this.#shared.set(cordon, [...workers, created]);
    return created;
  }

  #setSharedRssLimit(shared: SharedWorker): void {
    let isolates = 0;
    for (const skill of shared.skills.values()) isolates += skill.memoryMb;
    shared.worker.setRssLimit(isolates + this.#options.workerOverheadMb);
  }

  #take(): SandboxWorker {
    let worker = this.#spares.shift();
    while (worker && !worker.alive) worker = this.#spares.shift();
    // Started a little later: forking now would compete with the load this spare is about to serve.
    setTimeout(() => this.#refillSpares(), this.#options.spareRefillDelayMs).unref();
    return worker ?? this.#spawn();
  }

  #spawn(): SandboxWorker {
    const worker = this.#options.spawn();
    worker.onApiCall((run, call, method, args) => this.#options.onApiCall(worker, run, call, method, args));
    return worker;
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

  /** Stops a worker once its last call has settled. */
  #retire(worker: SandboxWorker): void {
    if (!worker.busy) this.#stop(worker, 'its skills moved or were removed');
    else setTimeout(() => this.#retire(worker), 100).unref();
  }

  #stop(worker: SandboxWorker, why: string): void {
    worker.kill('crashed', why);
  }
}
