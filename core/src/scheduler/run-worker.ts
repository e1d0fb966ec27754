import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { ClaimedRun } from '../workflows/run-repository.ts';
import type { ProcessResult, RunJob, RunProcessor } from '../workflows/run-processor.ts';
import type { RunJobData } from './queues.ts';

/** A run job this node holds: fetched from a queue, or claimed by the dispatcher's fast path. */
export interface HeldJob {
  id: string;
  queue: string;
  data: RunJobData;
}

export interface RunWorkerOptions {
  boss: PgBoss;
  databaseUrl: string;
  processor: RunProcessor;
  logger: Logger;
  /** The run queues this node works (shared, and its own for pinned workflows). */
  queues: readonly string[];
  /** Runs this node executes at once, fetched and fast-path together. */
  capacity: number;
  /** Heartbeat lease of a run job: held jobs are touched at half of it. */
  leaseSeconds: number;
  /** pg-boss group limits (a workflow's max concurrent runs), applied when fetching. */
  groupConcurrency: { default: number; tiers: Record<string, number> };
  /** Hands a run back: queue its job again for any node. */
  send(data: RunJobData): Promise<void>;
}

/** Queued jobs held back by a workflow's limit get no new notice when a slot frees: poll this often. */
const POLL_MS = 1_000;
/** After queued jobs were seen this recently, a freed slot fetches at once. */
const RECENT_WORK_MS = 5_000;

/**
 * The node's run slots: one fetcher claims queued run jobs in batches (woken by pg-boss's NOTIFY,
 * a freed slot, or a 1 s poll), the dispatcher's fast path takes slots for runs it starts itself,
 * one timer keeps every held job's heartbeat, and finished jobs are completed in batches.
 */
export class RunWorker {
  readonly #o: RunWorkerOptions;
  readonly #held = new Map<string, HeldJob>();
  #reserved = 0;
  #workSeenAt = 0;
  #running = false;
  #fetching = false;
  #again = false;
  #listener: pg.Client | undefined;
  #poller: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #toComplete: HeldJob[] = [];
  #completing: Promise<void> | undefined;

  constructor(options: RunWorkerOptions) {
    this.#o = options;
  }

  /** Slots free for new runs (0 once stopping). */
  get free(): number {
    if (!this.#running) return 0;
    return Math.max(0, this.#o.capacity - this.#held.size - this.#reserved);
  }

  async start(): Promise<void> {
    this.#running = true;
    const listener = new pg.Client({ connectionString: this.#o.databaseUrl });
    listener.on('error', (error) =>
      this.#o.logger.warn({ reason: errorMessage(error) }, 'run queue listener connection failed'),
    );
    listener.on('notification', (message) => {
      if (message.payload && this.#o.queues.includes(message.payload)) {
        this.#workSeenAt = Date.now();
        this.wake();
      }
    });
    await listener.connect();
    const { rows } = await listener.query<{ channel: string }>(
      `SELECT 'pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24) AS channel`,
    );
    await listener.query(`LISTEN "${rows[0]!.channel}"`);
    this.#listener = listener;
    this.#poller = setInterval(() => this.wake(), POLL_MS);
    this.#heartbeat = setInterval(() => void this.#touchAll(), (this.#o.leaseSeconds * 1000) / 2);
    this.wake();
  }

  /** Takes up to `count` slots for runs the dispatcher may start here; give back what it does not use. */
  reserve(count: number): number {
    const taken = Math.min(count, this.free);
    this.#reserved += taken;
    return taken;
  }

  release(count: number): void {
    this.#reserved = Math.max(0, this.#reserved - count);
    if (count > 0) this.wake();
  }

  /** Executes a run whose job the fast path claimed (one reserved slot becomes its). */
  runClaimed(job: HeldJob, run: ClaimedRun): void {
    this.#reserved = Math.max(0, this.#reserved - 1);
    this.#execute(job, (runJob) => this.#o.processor.processClaimed(job.data.runId, run, runJob));
  }

  /** Fetches soon (coalesced: one fetch in flight per node). */
  wake(): void {
    if (!this.#running) return;
    if (this.#fetching) {
      this.#again = true;
      return;
    }
    this.#fetching = true;
    void this.#fetchLoop().finally(() => (this.#fetching = false));
  }

  async #fetchLoop(): Promise<void> {
    do {
      this.#again = false;
      for (const queue of this.#o.queues) {
        const free = this.free;
        if (free === 0) return;
        try {
          const jobs = await this.#o.boss.fetch<RunJobData>(queue, {
            batchSize: free,
            groupConcurrency: this.#o.groupConcurrency,
          } as Parameters<PgBoss['fetch']>[1]);
          for (const job of jobs) {
            const held = { id: job.id, queue, data: job.data };
            this.#execute(held, (runJob) => this.#o.processor.process(job.data.runId, runJob));
          }
          if (jobs.length > 0) this.#workSeenAt = Date.now();
          if (jobs.length === free) this.#again = true;
        } catch (error) {
          this.#o.logger.warn({ queue, reason: errorMessage(error) }, 'fetching run jobs failed');
          return;
        }
      }
    } while (this.#again && this.#running);
  }

  #execute(job: HeldJob, process: (runJob: RunJob) => Promise<ProcessResult>): void {
    this.#held.set(job.id, job);
    let requeued = false;
    const runJob: RunJob = {
      id: job.id,
      queue: job.queue,
      // Shutdown handed the run back: settle this job (so its lapsing lease cannot mark the run
      // lost) and queue the run again for a node that is up.
      requeue: async () => {
        requeued = true;
        this.#held.delete(job.id);
        await this.#o.boss.complete(job.queue, job.id).catch(() => undefined);
        await this.#o.send(job.data);
      },
    };
    void process(runJob)
      .catch((error: unknown): ProcessResult | undefined => {
        this.#o.logger.error(
          { runId: job.data.runId, reason: errorMessage(error) },
          'workflow run processing failed',
        );
        return undefined;
      })
      .then((result) => {
        if (requeued) return;
        // A finished run's job was completed with its end (or, if that write failed, is left to
        // lapse so the run ends node_lost rather than stay running).
        if (result === 'finished') this.#release(job);
        else this.#complete(job);
      });
  }

  #release(job: HeldJob): void {
    this.#held.delete(job.id);
    if (Date.now() - this.#workSeenAt < RECENT_WORK_MS) this.wake();
  }

  /** The run ended (its end is written): its job is completed with the others ending about now. */
  #complete(job: HeldJob): void {
    this.#toComplete.push(job);
    this.#completing ??= this.#completeBatches().finally(() => (this.#completing = undefined));
  }

  /** One `complete` per queue in flight at a time; jobs that end meanwhile go in the next batch. */
  async #completeBatches(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#toComplete.length > 0) {
      const batch = this.#toComplete.splice(0);
      for (const queue of new Set(batch.map((job) => job.queue))) {
        const ids = batch.filter((job) => job.queue === queue).map((job) => job.id);
        await this.#o.boss
          .complete(queue, ids)
          .catch((error: unknown) =>
            this.#o.logger.warn({ queue, reason: errorMessage(error) }, 'completing run jobs failed'),
          );
      }
      for (const job of batch) this.#held.delete(job.id);
      // A freed slot may let a queued run of a workflow at its limit start now, rather than at the next poll.
      if (Date.now() - this.#workSeenAt < RECENT_WORK_MS) this.wake();
    }
  }

  async #touchAll(): Promise<void> {
    const byQueue = new Map<string, string[]>();
    for (const job of this.#held.values()) {
      byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job.id]);
    }
    for (const [queue, ids] of byQueue) {
      await this.#o.boss
        .touch(queue, ids)
        .catch((error: unknown) =>
          this.#o.logger.warn({ queue, reason: errorMessage(error) }, 'run job heartbeat failed'),
        );
    }
  }

  /** Takes no new runs (the ones in flight keep their heartbeat until they end or are handed back). */
  stopTaking(): void {
    this.#running = false;
    clearInterval(this.#poller);
  }

  /** After the runs in flight ended or were handed back: settle what is left and close. */
  async close(): Promise<void> {
    this.stopTaking();
    await this.#completing;
    clearInterval(this.#heartbeat);
    await this.#listener?.end().catch(() => undefined);
    this.#listener = undefined;
  }
}
