import { sql, type DatabasePool, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { Logger } from '../logging/logger.ts';
import type { MissedRunPolicy, WorkflowDefinition } from '../workflows/definition.ts';
import { scheduleStatusOf } from '../workflows/repository.ts';
import type { MissedTick } from '../workflows/wire-types.ts';
import { latestOccurrence, occurrencesBetween } from './cron-occurrences.ts';

/** A run the schedule wants started (the caller creates and queues it inside the same transaction). */
export interface ScheduledRun {
  workflowId: string;
  version: number;
  scheduledFor: Date;
  definition: WorkflowDefinition;
}

const scheduleRow = z.object({
  id: z.string(),
  version: z.number(),
  definition: z.custom<WorkflowDefinition>((value) => typeof value === 'object' && value !== null),
  schedule_approved_version: z.number().nullable(),
  schedule_last_tick_at: z.number().nullable(),
});
type ScheduleRow = z.infer<typeof scheduleRow>;

const missedRow = z.object({
  scheduled_for: z.number(),
  policy: z.enum(['skip', 'run_once']),
  action: z.enum(['skipped', 'caught_up', 'suspended']),
  run_id: z.string().nullable(),
  detected_at: z.number(),
});

export type { MissedTick };

export type CreateRun = (tx: DatabaseTransactionConnection, run: ScheduledRun) => Promise<string>;

/**
 * The bookkeeping of schedule occurrences, per workflow under a row lock so that nodes racing on the
 * same occurrence agree: `schedule_last_tick_at` is the newest occurrence accounted for (fired,
 * recorded as missed, or suspended), and never moves back.
 */
export class ScheduleTicks {
  readonly #pool: DatabasePool;
  readonly #logger: Logger;

  constructor(pool: DatabasePool, logger: Logger) {
    this.#pool = pool;
    this.#logger = logger;
  }

  async #lock(tx: DatabaseTransactionConnection, workflowId: string): Promise<ScheduleRow | null> {
    return tx.maybeOne(sql.type(scheduleRow)`
      SELECT w.id, w.version, v.definition, w.schedule_approved_version, w.schedule_last_tick_at
      FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.version
      WHERE w.id = ${workflowId} FOR UPDATE OF w`);
  }

  async #recordMissed(
    tx: DatabaseTransactionConnection,
    workflowId: string,
    ticks: readonly Date[],
    policy: MissedRunPolicy,
    action: 'skipped' | 'caught_up' | 'suspended',
    runId: string | null,
  ): Promise<void> {
    for (const tick of ticks) {
      await tx.query(sql.unsafe`
        INSERT INTO workflow_missed_ticks (workflow_id, scheduled_for, policy, action, run_id)
        VALUES (${workflowId}, ${tick.toISOString()}, ${policy}, ${action}, ${runId})
        ON CONFLICT (workflow_id, scheduled_for) DO NOTHING`);
    }
  }

  async #advance(tx: DatabaseTransactionConnection, workflowId: string, to: Date): Promise<void> {
    await tx.query(sql.unsafe`
      UPDATE workflows SET schedule_last_tick_at = ${to.toISOString()} WHERE id = ${workflowId}`);
  }

  /** Marks "accounted up to now" when a schedule is switched on, so earlier occurrences are not "missed". */
  async startFrom(workflowId: string, now: Date): Promise<void> {
    await this.#pool.query(sql.unsafe`
      UPDATE workflows SET schedule_last_tick_at = ${now.toISOString()}
      WHERE id = ${workflowId} AND (schedule_last_tick_at IS NULL OR schedule_last_tick_at < ${now.toISOString()})`);
  }

  /**
   * A cron tick pg-boss delivered (once across nodes) at `firedAt`. Starts a run for the occurrence,
   * records occurrences between the last accounted one and this one as missed, and ignores a tick
   * already accounted for. Returns the run id, if one was started.
   */
  async onTick(workflowId: string, firedAt: Date, createRun: CreateRun): Promise<string | undefined> {
    return this.#pool.transaction(async (tx) => {
      const row = await this.#lock(tx, workflowId);
      const schedule = row?.definition.schedule;
      if (!row || !schedule) return undefined;
      const occurrence = latestOccurrence(schedule.cron, schedule.timezone, firedAt);
      const last = row.schedule_last_tick_at === null ? null : new Date(row.schedule_last_tick_at);
      if (last && occurrence.getTime() <= last.getTime()) {
        this.#logger.debug({ workflowId, occurrence }, 'schedule tick already accounted for');
        return undefined;
      }
      if (last) {
        const missed = occurrencesBetween(schedule.cron, schedule.timezone, last, occurrence).slice(0, -1);
        await this.#recordMissed(tx, workflowId, missed, schedule.missedRunPolicy, 'skipped', null);
      }
      await this.#advance(tx, workflowId, occurrence);
      const status = scheduleStatusOf(row.definition, row.version, row.schedule_approved_version);
      if (status !== 'active') {
        await this.#recordMissed(tx, workflowId, [occurrence], schedule.missedRunPolicy, 'suspended', null);
        return undefined;
      }
      return createRun(tx, {
        workflowId,
        version: row.version,
        scheduledFor: occurrence,
        definition: row.definition,
      });
    });
  }

  /**
   * Occurrences older than `graceMs` that nobody fired (every node was down, or the schedule was
   * suspended): recorded as missed, and with `run_once` one run stands for all of them. Safe to run
   * on several nodes at once. Returns how many occurrences were found missed.
   */
  async detectMissed(now: Date, graceMs: number, createRun: CreateRun): Promise<number> {
    const ids = await this.#pool.anyFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM workflows
      WHERE schedule_cron IS NOT NULL AND schedule_enabled AND enabled AND schedule_last_tick_at IS NOT NULL`);
    const cutoff = new Date(now.getTime() - graceMs);
    let total = 0;
    for (const workflowId of ids) {
      total += await this.#pool.transaction(async (tx) => {
        const row = await this.#lock(tx, workflowId);
        const schedule = row?.definition.schedule;
        if (!row || !schedule || row.schedule_last_tick_at === null) return 0;
        const missed = occurrencesBetween(
          schedule.cron,
          schedule.timezone,
          new Date(row.schedule_last_tick_at),
          cutoff,
        );
        const newest = missed.at(-1);
        if (!newest) return 0;
        await this.#advance(tx, workflowId, newest);
        const status = scheduleStatusOf(row.definition, row.version, row.schedule_approved_version);
        if (status !== 'active') {
          await this.#recordMissed(tx, workflowId, missed, schedule.missedRunPolicy, 'suspended', null);
        } else if (schedule.missedRunPolicy === 'run_once') {
          const runId = await createRun(tx, {
            workflowId,
            version: row.version,
            scheduledFor: newest,
            definition: row.definition,
          });
          await this.#recordMissed(tx, workflowId, missed, 'run_once', 'caught_up', runId);
        } else {
          await this.#recordMissed(tx, workflowId, missed, 'skip', 'skipped', null);
        }
        this.#logger.warn(
          { workflowId, missed: missed.length, policy: schedule.missedRunPolicy },
          'schedule occurrences were missed while no node fired them',
        );
        return missed.length;
      });
    }
    return total;
  }

  /** Recorded missed occurrences of a workflow's schedule, newest first (shown in the admin). */
  async listMissed(workflowId: string, limit = 100): Promise<MissedTick[]> {
    const rows = await this.#pool.any(sql.type(missedRow)`
      SELECT scheduled_for, policy, action, run_id, detected_at FROM workflow_missed_ticks
      WHERE workflow_id = ${workflowId} ORDER BY scheduled_for DESC LIMIT ${Math.min(Math.max(limit, 1), 1000)}`);
    return rows.map((row) => ({
      scheduledFor: new Date(row.scheduled_for).toISOString(),
      policy: row.policy,
      action: row.action,
      runId: row.run_id,
      detectedAt: new Date(row.detected_at).toISOString(),
    }));
  }
}
