import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { setPriority } from 'node:os';
import type { Readable } from 'node:stream';
import { SANDBOX_LIMITS } from '../limits.ts';
import { encodeFrame, FrameReader } from './frames.ts';
import { isolateGlueSource } from './isolate-glue.ts';
import { residentMemoryMb } from './process-memory.ts';
import { parseWorkerMessage, type HostMessage, type IsolateLimits, type WorkerMessage } from './protocol.ts';
import { SandboxError, type SandboxFailureCode } from './sandbox-error.ts';
import type { WorkerLaunch } from './wall.ts';

/**
 * How one run ended. A failure when the worker was killed says whose fault it was: `neighbour` —
 * another skill's call in the same worker caused it; `suspect` — the cause is not known (memory,
 * a crash) and several skills had calls in flight; absent — this call (or its own skill) caused it.
 */
export type RunOutcome =
  | { ok: true; json: string }
  | { ok: false; code: SandboxFailureCode; message: string; lost?: 'neighbour' | 'suspect' };

export interface WorkerOptions {
  apiFunctions: readonly string[];
  /** How to start it: behind the second wall or not, as which user (see wall.ts). */
  launch: WorkerLaunch;
  /** Niceness of the worker, so the host (and /health) keeps the CPU when a skill spins. */
  niceness: number;
}

/** The worker's descriptors: stderr for its last words, 3 the framed channel, 4 bubblewrap's info. */
const CHANNEL_FD = 3;
export const INFO_FD = 4;

interface PendingRun {
  /** The skill (its number in this worker) the run belongs to. */
  skill: number;
  resolve(outcome: RunOutcome): void;
  timer: NodeJS.Timeout;
  startedAt: number;
}

export type ApiCallListener = (run: number, call: number, method: string, args: string) => void;

/**
 * The host's handle on one sandbox worker process. It forwards loads and runs, enforces each run's
 * wall deadline and the worker's resident memory from outside, and SIGKILLs the worker on any
 * breach, malformed message or crash; every run still waiting then settles with a typed failure.
 */
export class SandboxWorker {
  readonly #child: ChildProcess;
  readonly #channel: Socket;
  readonly #reader: FrameReader;
  /** The worker's own process in the host's PID namespace (behind the wall, bubblewrap's child). */
  #workerPid: number | undefined;
  #niceness: number;
  readonly #runs = new Map<number, PendingRun>();
  readonly ready: Promise<void>;
  #rssLimitMb = Number.POSITIVE_INFINITY;
  #memoryTimer: NodeJS.Timeout | undefined;
  #stderrTail = '';
  #exitReason: { code: SandboxFailureCode; message: string } | undefined;
  #culprit: number | undefined;
  readonly #loadWaiters = new Map<number, (message: WorkerMessage | undefined) => void>();
  #readyWaiter: (() => void) | undefined;
  #onApiCall: ApiCallListener = () => undefined;
  readonly #exitListeners = new Set<() => void>();
  readonly #options: WorkerOptions;
  #slowTimer: NodeJS.Timeout | undefined;
  #lowered = false;
  #lastSlowAt = Number.NEGATIVE_INFINITY;

  constructor(options: WorkerOptions) {
    this.#options = options;
    const { launch } = options;
    this.#child = spawn(launch.command, launch.args, {
      // Nothing of the host's environment, which holds its secrets.
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', launch.walled ? 'pipe' : 'ignore'],
      ...(launch.user ? { uid: launch.user.uid, gid: launch.user.gid } : {}),
    });
    this.#channel = this.#child.stdio[CHANNEL_FD] as Socket;
    this.#reader = new FrameReader(SANDBOX_LIMITS.maxIpcFrameBytes, {
      frame: (raw) => this.#receive(raw),
      oversized: (bytes) =>
        this.kill(
          'crashed',
          `the sandbox worker sent a frame of ${bytes} bytes, over the limit of ${SANDBOX_LIMITS.maxIpcFrameBytes}`,
        ),
    });
    this.#channel.on('data', (chunk: Buffer) => this.#reader.push(chunk));
    this.#channel.on('error', () => undefined);
    this.#niceness = options.niceness;
    if (launch.walled) this.#readWorkerPid(this.#child.stdio[INFO_FD] as Readable);
    else this.#workerPid = this.#child.pid;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#readyWaiter = resolve;
      this.#exitListeners.add(() =>
        reject(new SandboxError('crashed', `a sandbox worker did not start: ${this.#describeExit()}`)),
      );
    });
    this.ready.catch(() => undefined);
    // A spare starts below the placed workers: starting Node must not slow down skills being called.
    this.#renice(options.niceness + SANDBOX_LIMITS.spareNicenessOffset);
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-SANDBOX_LIMITS.stderrTailChars);
    });
    this.#child.on('exit', () => this.#exited());
    this.#child.on('error', (error) => {
      this.kill('crashed', `the sandbox worker failed: ${error.message}`);
      // A worker that never started sends no 'exit': end its runs and its start-up wait here.
      if (this.#child.pid === undefined) this.#exited();
    });
  }

  /** The worker's process and, behind the wall, bubblewrap's: every process it costs. */
  get pids(): number[] {
    return [this.#child.pid, this.#workerPid].filter(
      (pid, index, all): pid is number => pid !== undefined && all.indexOf(pid) === index,
    );
  }

  #send(message: HostMessage): void {
    if (this.alive) this.#channel.write(encodeFrame(message));
  }

  /** Bubblewrap writes `{"child-pid": N}` on its info descriptor once the walled process exists. */
  #readWorkerPid(info: Readable): void {
    let text = '';
    info.setEncoding('utf8');
    info.on('data', (chunk: string) => {
      text += chunk;
      const pid = /"child-pid"\s*:\s*(\d+)/.exec(text)?.[1];
      if (pid !== undefined && this.#workerPid === undefined) {
        this.#workerPid = Number(pid);
        if (!this.alive) this.#killWorkerProcess();
        else this.#renice(this.#niceness);
      }
    });
    info.on('error', () => undefined);
  }

  get alive(): boolean {
    return this.#exitReason === undefined;
  }

  get busy(): boolean {
    return this.#runs.size > 0;
  }

  onApiCall(listener: ApiCallListener): void {
    this.#onApiCall = listener;
  }

  onExit(listener: () => void): void {
    if (!this.alive) listener();
    else this.#exitListeners.add(listener);
  }

  /** Makes the isolate for the next load ahead of time (a spare, while it waits). */
  prepare(limits: IsolateLimits): void {
    void this.ready.then(
      () =>
        this.#send({
          t: 'prepare',
          glue: isolateGlueSource(this.#options.apiFunctions, limits),
          limits,
        }),
      () => undefined,
    );
  }

  /** The resident memory this worker may use: its skills' isolates and its own overhead (MB). */
  setRssLimit(megabytes: number): void {
    this.#rssLimitMb = megabytes;
  }

  /** Evaluates a skill's module once, in a fresh isolate of its own, as skill number `skill`. */
  async load(skill: number, code: string, limits: IsolateLimits, deadlineMs: number): Promise<void> {
    await this.ready;
    const answer = new Promise<WorkerMessage | undefined>((resolve) => this.#loadWaiters.set(skill, resolve));
    const timer = setTimeout(() => this.kill('timeout', 'evaluating the module took too long'), deadlineMs);
    this.#watchMemory(true);
    this.#renice(this.#options.niceness);
    this.#send({
      t: 'load',
      skill,
      code,
      glue: isolateGlueSource(this.#options.apiFunctions, limits),
      limits,
    });
    const message = await answer.finally(() => {
      clearTimeout(timer);
      this.#loadWaiters.delete(skill);
      this.#watchMemory(this.busy);
    });
    if (message?.t === 'loaded') return;
    if (message?.t === 'load_failed') {
      // A module that throws or has no run() leaves the worker as it was; one that ran it out of
      // memory does not.
      if (message.code === 'memory_limit') this.kill('memory_limit', message.message);
      throw new SandboxError(
        message.code === 'skill_error' ? 'invalid_skill' : (message.code as SandboxFailureCode),
        message.message,
      );
    }
    const reason = this.#exitReason ?? { code: 'crashed' as const, message: 'the sandbox worker stopped' };
    throw new SandboxError(reason.code, `the skill could not be loaded: ${reason.message}`);
  }

  /** Disposes skill number `skill`'s isolate (the skill moved, or was removed). */
  unload(skill: number): void {
    this.#send({ t: 'unload', skill });
  }

  /** Runs `run(ctx)` of skill number `skill` once; settles with a typed failure if the deadline passes or the worker dies. */
  run(run: number, skill: number, input: string, config: string, deadlineMs: number): Promise<RunOutcome> {
    if (!this.alive)
      return Promise.resolve({ ok: false, code: 'crashed', message: 'the sandbox worker is gone' });
    return new Promise<RunOutcome>((resolve) => {
      const timer = setTimeout(
        () => this.kill('timeout', `the skill did not finish within its ${deadlineMs} ms deadline`, run),
        deadlineMs,
      );
      this.#runs.set(run, { skill, resolve, timer, startedAt: performance.now() });
      this.#watchMemory(true);
      this.#watchSlowness();
      this.#send({ t: 'run', run, skill, input, config });
    });
  }

  answerApi(run: number, call: number, envelope: string): void {
    if (this.#runs.has(run)) this.#send({ t: 'api_result', run, call, envelope });
  }

  /** Whether skill number `skill` has a call in flight here. */
  hasRunsOf(skill: number): boolean {
    for (const pending of this.#runs.values()) if (pending.skill === skill) return true;
    return false;
  }

  /** SIGKILL; waiting runs fail with `code`, or with `crashed` when another run (`culprit`) caused it. */
  kill(code: SandboxFailureCode, message: string, culprit?: number): void {
    if (this.#exitReason) return;
    this.#exitReason = { code, message };
    this.#culprit = culprit;
    this.#reader.stop();
    this.#killWorkerProcess();
    this.#child.kill('SIGKILL');
    this.#settleAll();
  }

  #receive(raw: unknown): void {
    const message = parseWorkerMessage(raw);
    if (!message) {
      this.kill('crashed', 'the sandbox worker sent a malformed message');
      return;
    }
    switch (message.t) {
      case 'ready':
        this.#readyWaiter?.();
        return;
      case 'loaded':
      case 'load_failed':
        this.#loadWaiters.get(message.skill)?.(message);
        return;
      case 'result': {
        const pending = this.#runs.get(message.run);
        if (!pending) return;
        // The isolate is disposed after a memory breach: the worker goes, and this call is the cause.
        if (!message.ok && message.code === 'memory_limit') {
          this.kill('memory_limit', message.message, message.run);
          return;
        }
        this.#runs.delete(message.run);
        clearTimeout(pending.timer);
        this.#watchMemory(this.busy);
        this.#watchSlowness();
        pending.resolve(
          message.ok
            ? { ok: true, json: message.json }
            : { ok: false, code: message.code as SandboxFailureCode, message: message.message },
        );
        return;
      }
      case 'api':
        // A worker can address only runs it was given; anything else is ignored.
        if (this.#runs.has(message.run))
          this.#onApiCall(message.run, message.call, message.method, message.args);
        return;
    }
  }

  /**
   * While one of its calls has run longer than SANDBOX_LIMITS.slowCallMs, and for SANDBOX_LIMITS.stayLowMs after, a worker is
   * reniced to the lowest priority: a skill that spins or bombs (call after call) leaves the CPU to
   * short calls of other skills and to the host, and does not win it back by starting a new call.
   */
  #watchSlowness(): void {
    clearTimeout(this.#slowTimer);
    this.#slowTimer = undefined;
    const now = performance.now();
    let oldest = now;
    for (const pending of this.#runs.values()) oldest = Math.min(oldest, pending.startedAt);
    if (now - oldest >= SANDBOX_LIMITS.slowCallMs) this.#lastSlowAt = now;
    const lower = now - this.#lastSlowAt < SANDBOX_LIMITS.stayLowMs;
    if (lower !== this.#lowered) {
      this.#lowered = lower;
      this.#renice(lower ? SANDBOX_LIMITS.lowestNiceness : this.#options.niceness);
    }
    const next = this.busy
      ? SANDBOX_LIMITS.slowCallMs / 2
      : lower
        ? this.#lastSlowAt + SANDBOX_LIMITS.stayLowMs - now + 1
        : undefined;
    if (next !== undefined && this.alive) {
      this.#slowTimer = setTimeout(() => this.#watchSlowness(), next);
      this.#slowTimer.unref();
    }
  }

  /** Behind the wall, bubblewrap's child is the worker: killing bubblewrap alone could leave it. */
  #killWorkerProcess(): void {
    if (this.#workerPid === undefined || this.#workerPid === this.#child.pid) return;
    try {
      process.kill(this.#workerPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** Sets the worker's niceness now, or as soon as its process id is known. */
  #renice(niceness: number): void {
    this.#niceness = niceness;
    const pid = this.#workerPid;
    if (pid === undefined || !this.alive) return;
    try {
      setPriority(pid, niceness);
    } catch {
      // Not allowed here (e.g. lowering the niceness again as a non-root host): the deadlines still hold.
    }
  }

  #watchMemory(on: boolean): void {
    if (on && this.#memoryTimer === undefined && Number.isFinite(this.#rssLimitMb)) {
      this.#memoryTimer = setInterval(() => void this.#checkMemory(), SANDBOX_LIMITS.memoryPollMs);
      this.#memoryTimer.unref();
    } else if (!on && this.#memoryTimer !== undefined) {
      clearInterval(this.#memoryTimer);
      this.#memoryTimer = undefined;
    }
  }

  async #checkMemory(): Promise<void> {
    const pid = this.#workerPid;
    if (pid === undefined || !this.alive) return;
    const rss = await residentMemoryMb(pid);
    if (rss !== undefined && rss > this.#rssLimitMb) {
      this.kill(
        'memory_limit',
        `the skill's worker grew to ${Math.round(rss)} MB (limit ${this.#rssLimitMb} MB)`,
      );
    }
  }

  #describeExit(): string {
    const fatal = /talon-sandbox-fatal: (.*)/.exec(this.#stderrTail)?.[1];
    const { exitCode, signalCode } = this.#child;
    if (fatal) return `V8 gave up (${fatal.trim()})`;
    return signalCode ? `it was ended by ${signalCode}` : `it exited with code ${exitCode ?? 'unknown'}`;
  }

  #exited(): void {
    if (!this.#exitReason) {
      const fatal = /talon-sandbox-fatal: (.*)/.exec(this.#stderrTail)?.[1];
      this.#exitReason =
        fatal && /memory|heap|allocation|terminate/i.test(fatal)
          ? { code: 'memory_limit', message: `the skill ran out of memory (${fatal.trim()})` }
          : { code: 'crashed', message: `the sandbox worker crashed: ${this.#describeExit()}` };
    }
    this.#watchMemory(false);
    clearTimeout(this.#slowTimer);
    this.#settleAll();
    for (const waiter of this.#loadWaiters.values()) waiter(undefined);
    this.#loadWaiters.clear();
    for (const listener of this.#exitListeners) listener();
    this.#exitListeners.clear();
  }

  #settleAll(): void {
    const reason = this.#exitReason ?? { code: 'crashed' as const, message: 'the sandbox worker stopped' };
    const culpritSkill = this.#culprit === undefined ? undefined : this.#runs.get(this.#culprit)?.skill;
    const skillsInFlight = new Set([...this.#runs.values()].map((pending) => pending.skill));
    for (const [run, pending] of this.#runs) {
      clearTimeout(pending.timer);
      this.#runs.delete(run);
      pending.resolve(this.#lostOutcome(run, pending.skill, culpritSkill, skillsInFlight.size, reason));
    }
  }

  /** What a run still in flight gets when the worker is killed (see RunOutcome). */
  #lostOutcome(
    run: number,
    skill: number,
    culpritSkill: number | undefined,
    skillsInFlight: number,
    reason: { code: SandboxFailureCode; message: string },
  ): RunOutcome {
    if (this.#culprit === run) return { ok: false, code: reason.code, message: reason.message };
    if (culpritSkill === skill) {
      return {
        ok: false,
        code: 'crashed',
        message: `stopped with another call of this skill: ${reason.message}`,
      };
    }
    if (culpritSkill !== undefined) {
      return {
        ok: false,
        code: 'worker_lost',
        message: `stopped with another skill's call that shared its worker: ${reason.message}`,
        lost: 'neighbour',
      };
    }
    // No culprit named: alone in flight, this skill is it; among several, each is a suspect.
    return skillsInFlight > 1
      ? { ok: false, code: reason.code, message: reason.message, lost: 'suspect' }
      : { ok: false, code: reason.code, message: reason.message };
  }
}
