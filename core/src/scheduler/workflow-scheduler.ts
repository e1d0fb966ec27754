import { PgBoss, type JobWithMetadata } from 'pg-boss';
import type { DatabasePool, DatabaseTransactionConnection } from 'slonik';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { WorkflowRecord } from '../workflows/repository.ts';
import type { LostRuns } from '../workflows/lost-runs.ts';
import type { RunProcessor } from '../workflows/run-processor.ts';
import type { RunRecord, RunRepository } from '../workflows/run-repository.ts';
import { CancelChannel } from './cancel-channel.ts';
import {
  APPROVAL_EXPIRY_QUEUE,
  LOST_RUN_QUEUE,
  MISSED_CHECK_QUEUE,
  PRUNE_QUEUE,
  RUN_QUEUE,
  TICK_QUEUE,
  nodeRunQueue,
  type RunJobData,
  type TickJobData,
} from './queues.ts';
import { RunDispatcher, type RunDispatch } from './run-dispatcher.ts';
import { RunWorker } from './run-worker.ts';
import { ScheduleTicks, type ScheduledRun } from './schedule-ticks.ts';

export const PGBOSS_SCHEMA = 'pgboss';
const MAX_CONCURRENT_RUNS = 50;
/** Job group tiers: a run job's tier is its workflow's max concurrent runs, counted across nodes. */
const GROUP_LIMITS = {
  default: 1,
  tiers: Object.fromEntries(
    Array.from({ length: MAX_CONCURRENT_RUNS }, (_, index) => [`c${index + 1}`, index + 1]),
  ),
};

function groupTier(maxConcurrentRuns: number): string {
  return `c${Math.min(Math.max(maxConcurrentRuns, 1), MAX_CONCURRENT_RUNS)}`;
}

export interface SchedulerOptions {
  databaseUrl: string;
  pool: DatabasePool;
  /** This node's name: pinned workflows name it; runs record it. */
  node: string;
  logger: Logger;
  processor: RunProcessor;
  runs: RunRepository;
  lostRuns: LostRuns;
  /** A run job whose node sends no heartbeat for this long is failed and its run marked `node_lost` (≥ 10). */
  leaseSeconds?: number;
  /** How often pg-boss looks for expired leases and due schedules. */
  superviseIntervalSeconds?: number;
  /** On stop, how long in-flight runs may take to finish before they are handed back. */
  shutdownGraceMs?: number;
  /** Runs this node executes at once. */
  runConcurrency?: number;
  /** A schedule occurrence not fired this long after it came due counts as missed. */
  missedTickGraceMs?: number;
  /** Look for missed occurrences every minute (off only in tests that drive checkMissed themselves). */
  periodicMissedCheck?: boolean;
  /** Deletes old run history; run hourly on one node. */
  pruneHistory?: (() => Promise<number>) | undefined;
  /**
   * The node a workflow's runs must go to (its own `nodePin`, or a node its steps need, such as
   * the browser sidecar's): asked for every run queued. Default: the workflow's `nodePin`.
   */
  placement?: ((definition: PlacedWorkflow) => string | null) | undefined;
  /**
   * The owner setting `workflows.async_run_start` (read at each batch of triggers): runs started on
   * the node that received them are written without waiting for the disk. Default: they wait.
   */
  asyncRunStart?: (() => boolean) | undefined;
}

/** What placement sees of a workflow: its pin and its steps' skills. */
export interface PlacedWorkflow {
  nodePin: string | null;
  steps?: readonly { skill: string; fallbackSkill?: string | null }[];
}

/**
 * Runs and schedules on pg-boss, in its own schema of the same database: every run is a job (any
 * node, or only the pinned one, takes it), each workflow schedule is a pg-boss cron schedule (one
 * node fires each tick), a job whose node dies is failed when its lease lapses and its run marked
 * `node_lost`, and stop() finishes or hands back the runs in flight.
 */
export class WorkflowScheduler {
  readonly #options: Required<Omit<SchedulerOptions, 'pruneHistory' | 'placement' | 'asyncRunStart'>>;
  readonly #pruneHistory: (() => Promise<number>) | undefined;
  readonly #placement: (definition: PlacedWorkflow) => string | null;
  readonly #boss: PgBoss;
  readonly #ticks: ScheduleTicks;
  readonly #cancels: CancelChannel;
  readonly #knownQueues = new Set<string>();
  readonly #worker: RunWorker;
  readonly #dispatcher: RunDispatcher;
  #stopping: Promise<void> | undefined;

  constructor(options: SchedulerOptions) {
    this.#options = {
      leaseSeconds: 30,
      superviseIntervalSeconds: 10,
      shutdownGraceMs: 10_000,
      runConcurrency: 32,
      missedTickGraceMs: 90_000,
      periodicMissedCheck: true,
      ...options,
    };
    this.#pruneHistory = options.pruneHistory;
    this.#placement = options.placement ?? ((definition) => definition.nodePin);
    const o = this.#options;
    this.#boss = new PgBoss({
      connectionString: o.databaseUrl,
      schema: PGBOSS_SCHEMA,
      // Runs use the node's pool; pg-boss only fetches, completes and heartbeats them in batches.
      max: 6,
      application_name: `talon-${o.node}`,
      instanceName: o.node,
      useListenNotify: true,
      // Lapsed leases are found by the queue monitor pass, so it runs as often as supervision.
      superviseIntervalSeconds: o.superviseIntervalSeconds,
      monitorIntervalSeconds: o.superviseIntervalSeconds,
      // Due schedules are looked for as often too (pg-boss's default pass is every 30 s, so a tick
      // could start up to half a minute late), within pg-boss's bounds.
      cronMonitorIntervalSeconds: Math.min(o.superviseIntervalSeconds, 30),
      cronWorkerIntervalSeconds: Math.min(o.superviseIntervalSeconds, 5),
    });
    this.#boss.on('error', (error) => o.logger.error({ reason: errorMessage(error) }, 'pg-boss error'));
    this.#ticks = new ScheduleTicks(o.pool, o.logger);
    this.#cancels = new CancelChannel(o.databaseUrl, o.logger);
    this.#worker = new RunWorker({
      boss: this.#boss,
      databaseUrl: o.databaseUrl,
      processor: o.processor,
      logger: o.logger,
      queues: [RUN_QUEUE, nodeRunQueue(o.node)],
      capacity: o.runConcurrency,
      leaseSeconds: o.leaseSeconds,
      groupConcurrency: GROUP_LIMITS,
      send: (data) => this.#send(data),
    });
    this.#dispatcher = new RunDispatcher({
      pool: o.pool,
      worker: this.#worker,
      node: o.node,
      tierFor: groupTier,
      ensureQueue: (queue) => this.#ensureQueue(queue, this.#runQueueOptions()),
      asyncRunStart: options.asyncRunStart,
    });
  }

  #runQueueOptions(): Parameters<PgBoss['createQueue']>[1] {
    return {
      retryLimit: 0,
      heartbeatSeconds: this.#options.leaseSeconds,
      expireInSeconds: 12 * 3600,
      deadLetter: LOST_RUN_QUEUE,
      notify: true,
    };
  }

  get ticks(): ScheduleTicks {
    return this.#ticks;
  }

  async start(): Promise<void> {
    const o = this.#options;
    await this.#boss.start();
    await this.#ensureQueue(LOST_RUN_QUEUE, {});
    const runQueueOptions = this.#runQueueOptions();
    await this.#ensureQueue(RUN_QUEUE, runQueueOptions);
    await this.#ensureQueue(nodeRunQueue(o.node), runQueueOptions);
    for (const queue of [TICK_QUEUE, MISSED_CHECK_QUEUE, APPROVAL_EXPIRY_QUEUE, PRUNE_QUEUE]) {
      await this.#ensureQueue(queue, { retryLimit: 2, retryDelay: 5 });
    }

    // One fetcher per node claims queued run jobs in batches; the fast path starts runs it can
    // take at once (see RunDispatcher).
    await this.#worker.start();
    await this.#boss.work<RunJobData, void, { includeMetadata: true }>(
      LOST_RUN_QUEUE,
      { includeMetadata: true },
      async ([job]) => {
        const outcome = await o.lostRuns.handle(job!.data.runId, job!.sourceId);
        if (outcome !== 'ignored')
          o.logger.warn({ runId: job!.data.runId, outcome }, 'workflow run lost with its node');
        if (outcome === 'requeued') await this.#send(job!.data);
      },
    );
    await this.#boss.work<TickJobData, void, { includeMetadata: true }>(
      TICK_QUEUE,
      { includeMetadata: true },
      async ([job]) => this.#onTick(job!),
    );
    await this.#boss.work(MISSED_CHECK_QUEUE, async () => void (await this.checkMissed(new Date())));
    await this.#boss.work<{ runId: string }>(APPROVAL_EXPIRY_QUEUE, async ([job]) => {
      await o.runs.expireApproval(job!.data.runId);
    });
    if (o.periodicMissedCheck) await this.#boss.schedule(MISSED_CHECK_QUEUE, '* * * * *');
    const prune = this.#pruneHistory;
    if (prune) {
      await this.#boss.work(PRUNE_QUEUE, async () => {
        const removed = await prune();
        if (removed > 0) o.logger.info({ removed }, 'pruned workflow run history');
      });
      await this.#boss.schedule(PRUNE_QUEUE, '17 * * * *');
    }
    await this.#cancels.listen((runId) => o.processor.abort(runId));
    await this.checkMissed(new Date());
  }

  async #ensureQueue(name: string, options: Parameters<PgBoss['createQueue']>[1]): Promise<void> {
    if (this.#knownQueues.has(name)) return;
    await this.#boss.createQueue(name, options);
    this.#knownQueues.add(name);
  }

  async #send(data: RunJobData): Promise<void> {
    const queue = data.nodePin === null ? RUN_QUEUE : nodeRunQueue(data.nodePin);
    if (data.nodePin !== null) await this.#ensureQueue(queue, this.#runQueueOptions());
    const tier = groupTier(data.maxConcurrentRuns);
    await this.#boss.send(queue, { ...data }, { group: { id: data.workflowId, tier } });
  }

  /**
   * Creates a run and its job (batched with the runs triggered about now); a run this node can
   * start at once is claimed and started here (see RunDispatcher).
   */
  dispatch(request: RunDispatch): Promise<RunRecord> {
    const { definition } = request.workflow;
    const nodePin = this.#placement(definition);
    if (nodePin === definition.nodePin) return this.#dispatcher.dispatch(request);
    return this.#dispatcher.dispatch({
      ...request,
      workflow: { ...request.workflow, definition: { ...definition, nodePin } },
    });
  }

  /** Queues a run (status `queued` already written). */
  async enqueue(
    runId: string,
    workflowId: string,
    definition: { maxConcurrentRuns: number } & PlacedWorkflow,
  ): Promise<void> {
    await this.#send({
      runId,
      workflowId,
      maxConcurrentRuns: definition.maxConcurrentRuns,
      nodePin: this.#placement(definition),
    });
  }

  /** Stops a run on whichever node executes it (its status is already `cancelled`). */
  async cancel(runId: string): Promise<void> {
    this.#options.processor.abort(runId);
    await CancelChannel.notify(this.#options.pool, runId);
  }

  /** Cancels a `waiting_2fa` run at its deadline, from whichever node is up then. */
  async expireApprovalAt(runId: string, deadline: Date): Promise<void> {
    await this.#boss.sendAfter(APPROVAL_EXPIRY_QUEUE, { runId }, null, deadline);
  }

  /** Makes pg-boss's schedule match the workflow: present while active, removed otherwise. */
  async syncSchedule(workflow: WorkflowRecord): Promise<void> {
    const schedule = workflow.definition.schedule;
    if (workflow.scheduleStatus === 'active' && schedule) {
      await this.#ticks.startFrom(workflow.id, new Date());
      await this.#boss.schedule(
        TICK_QUEUE,
        schedule.cron,
        { workflowId: workflow.id } satisfies TickJobData,
        {
          tz: schedule.timezone,
          key: workflow.id,
        },
      );
    } else {
      await this.#boss.unschedule(TICK_QUEUE, workflow.id);
    }
  }

  async removeSchedule(workflowId: string): Promise<void> {
    await this.#boss.unschedule(TICK_QUEUE, workflowId);
  }

  async #onTick(job: JobWithMetadata<TickJobData>): Promise<void> {
    const queued: ScheduledRun[] = [];
    const runId = await this.#ticks.onTick(job.data.workflowId, job.createdOn, this.#createRun(queued));
    if (runId !== undefined) await this.#enqueueCreated(queued);
  }

  /** Records missed schedule occurrences (and starts the `run_once` catch-up runs). */
  async checkMissed(now: Date): Promise<number> {
    const queued: ScheduledRun[] = [];
    const missed = await this.#ticks.detectMissed(
      now,
      this.#options.missedTickGraceMs,
      this.#createRun(queued),
    );
    await this.#enqueueCreated(queued);
    return missed;
  }

  #createRun(created: (ScheduledRun & { runId?: string })[]) {
    return async (tx: DatabaseTransactionConnection, run: ScheduledRun): Promise<string> => {
      const runId = await this.#options.runs.create(
        {
          workflowId: run.workflowId,
          workflowVersion: run.version,
          trigger: 'schedule',
          input: null,
          status: 'queued',
          scheduledFor: run.scheduledFor,
        },
        tx,
      );
      created.push({ ...run, runId });
      return runId;
    };
  }

  async #enqueueCreated(created: (ScheduledRun & { runId?: string })[]): Promise<void> {
    for (const run of created) {
      if (run.runId !== undefined) await this.enqueue(run.runId, run.workflowId, run.definition);
    }
  }

  /**
   * SIGTERM: take no new runs, let the runs in flight finish within the grace period, hand the rest
   * back to the queue (they restart from their first step on a node that is up), then stop pg-boss.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const o = this.#options;
      this.#worker.stopTaking();
      if (!(await o.processor.waitIdle(o.shutdownGraceMs))) {
        o.logger.warn(
          { runs: o.processor.activeCount },
          'handing unfinished workflow runs back to the queue',
        );
        await o.processor.handBackAll();
      }
      await this.#worker.close();
      await this.#boss.stop({ graceful: true, timeout: 5_000 });
      await this.#cancels.close();
    })();
    return this.#stopping;
  }
}
