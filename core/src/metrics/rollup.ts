import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { METRICS_LIMITS } from './limits.ts';

const HOUR_MS = 3_600_000;

export interface RollupResult {
  /** Events moved into the per-minute (or, for an hour already rolled up, the per-hour) rows. */
  eventsMoved: number;
  /** Per-hour rows written from closed hours' minutes. */
  hoursWritten: number;
  /** Hours before this are in the per-hour rows only. */
  hoursRolledUntil: Date | null;
}

const stateRow = z.object({ hours_rolled_until: z.number().nullable() });
const countRow = z.object({ count: z.number() });

/** The upsert that adds a row's figures to the one already there. */
const ADD_FIGURES = (table: 'metrics_minute' | 'metrics_hour') => sql.fragment`
  count = ${sql.identifier([table])}.count + EXCLUDED.count,
  total = ${sql.identifier([table])}.total + EXCLUDED.total,
  buckets = talon_add_buckets(${sql.identifier([table])}.buckets, EXCLUDED.buckets)`;

/**
 * One round of the rollup, in one transaction under the state row's lock (so nodes take turns):
 * events → per-minute rows (or straight to per-hour rows when their hour is already rolled up);
 * minutes of every hour that closed more than a grace period ago → per-hour rows; then minutes
 * older than a day and hours older than the retention are deleted. Rows are written in key order,
 * so two writers never wait on each other in a cycle.
 */
export async function rollUpMetrics(pool: DatabasePool, now: Date = new Date()): Promise<RollupResult> {
  return pool.transaction(async (tx) => {
    const state = await tx.one(sql.type(stateRow)`
      SELECT hours_rolled_until FROM metrics_rollup_state WHERE id = 1 FOR UPDATE`);
    const rolledUntil = state.hours_rolled_until === null ? null : new Date(state.hours_rolled_until);
    const rolled =
      rolledUntil === null
        ? sql.fragment`NULL::timestamptz`
        : sql.fragment`${rolledUntil.toISOString()}::timestamptz`;

    const moved = await tx.one(sql.type(countRow)`
      WITH moved AS (
        DELETE FROM metric_events
        WHERE id IN (SELECT id FROM metric_events ORDER BY id LIMIT ${METRICS_LIMITS.eventsPerRound})
        RETURNING metric, label, at, count, total, buckets
      ), late AS (
        INSERT INTO metrics_hour (metric, label, hour, count, total, buckets)
        SELECT metric, label, date_trunc('hour', at, 'UTC'), sum(count), sum(total), talon_sum_buckets(buckets)
        FROM moved WHERE ${rolled} IS NOT NULL AND at < ${rolled}
        GROUP BY 1, 2, 3 ORDER BY 1, 3, 2
        ON CONFLICT (metric, hour, label) DO UPDATE SET ${ADD_FIGURES('metrics_hour')}
      ), recent AS (
        INSERT INTO metrics_minute (metric, label, minute, count, total, buckets)
        SELECT metric, label, date_trunc('minute', at, 'UTC'), sum(count), sum(total), talon_sum_buckets(buckets)
        FROM moved WHERE ${rolled} IS NULL OR at >= ${rolled}
        GROUP BY 1, 2, 3 ORDER BY 1, 3, 2
        ON CONFLICT (metric, minute, label) DO UPDATE SET ${ADD_FIGURES('metrics_minute')}
      )
      SELECT count(*)::int AS count FROM moved`);

    const closedBefore = new Date(
      Math.floor((now.getTime() - METRICS_LIMITS.hourCloseGraceMs) / HOUR_MS) * HOUR_MS,
    );
    let hoursWritten = 0;
    let nextRolledUntil = rolledUntil;
    if (rolledUntil === null || closedBefore > rolledUntil) {
      const from = rolledUntil === null ? sql.fragment`'-infinity'::timestamptz` : rolled;
      const written = await tx.one(sql.type(countRow)`
        WITH written AS (
          INSERT INTO metrics_hour (metric, label, hour, count, total, buckets)
          SELECT metric, label, date_trunc('hour', minute, 'UTC'), sum(count), sum(total), talon_sum_buckets(buckets)
          FROM metrics_minute WHERE minute >= ${from} AND minute < ${closedBefore.toISOString()}::timestamptz
          GROUP BY 1, 2, 3 ORDER BY 1, 3, 2
          ON CONFLICT (metric, hour, label) DO UPDATE SET ${ADD_FIGURES('metrics_hour')}
          RETURNING 1
        )
        SELECT count(*)::int AS count FROM written`);
      hoursWritten = written.count;
      nextRolledUntil = closedBefore;
      await tx.query(sql.unsafe`
        UPDATE metrics_rollup_state SET hours_rolled_until = ${closedBefore.toISOString()}::timestamptz WHERE id = 1`);
    }

    if (nextRolledUntil !== null) {
      const keepMinutesFrom = new Date(
        Math.min(nextRolledUntil.getTime(), now.getTime() - METRICS_LIMITS.minuteRetentionHours * HOUR_MS),
      );
      await tx.query(sql.unsafe`
        DELETE FROM metrics_minute WHERE minute < ${keepMinutesFrom.toISOString()}::timestamptz`);
    }
    const keepHoursFrom = new Date(now.getTime() - METRICS_LIMITS.hourRetentionDays * 24 * HOUR_MS);
    await tx.query(
      sql.unsafe`DELETE FROM metrics_hour WHERE hour < ${keepHoursFrom.toISOString()}::timestamptz`,
    );
    return { eventsMoved: moved.count, hoursWritten, hoursRolledUntil: nextRolledUntil };
  });
}
