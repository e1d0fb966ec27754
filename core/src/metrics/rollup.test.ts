import { sql } from 'slonik';
import { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { activityReport } from './aggregates.ts';
import { generateActivity } from './activity-generator.ts';
import { recordMetricEvents } from './metric-events.ts';
import { rollUpMetrics } from './rollup.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(async () => {
  await database.pool.query(sql.unsafe`TRUNCATE metric_events, metrics_minute, metrics_hour`);
  await database.pool.query(sql.unsafe`UPDATE metrics_rollup_state SET hours_rolled_until = NULL`);
});

const HOUR = 3_600_000;
const now = new Date('2026-03-10T12:30:00Z');
const hoursAgo = (hours: number): Date => new Date(now.getTime() - hours * HOUR);

async function count(table: 'metric_events' | 'metrics_minute' | 'metrics_hour'): Promise<number> {
  return database.pool.oneFirst(
    sql.type(z.object({ count: z.number() }))`SELECT count(*)::int AS count FROM ${sql.identifier([table])}`,
  );
}

describe('the metrics rollup', () => {
  it('moves events into minutes, folds closed hours into hours, and keeps the sums', async () => {
    await recordMetricEvents(database.pool, [
      { metric: 'runs', label: 'completed', at: hoursAgo(3), count: 1, total: 0 },
      { metric: 'runs', label: 'completed', at: new Date(hoursAgo(3).getTime() + 5_000), count: 1, total: 0 },
      { metric: 'runs', label: 'failed', at: hoursAgo(0.1), count: 1, total: 0 },
    ]);
    const result = await rollUpMetrics(database.pool, now);
    expect(result.eventsMoved).toBe(3);
    expect(await count('metric_events')).toBe(0);
    // 12:00 has not closed yet: 09:30 went to the hour rows, 12:24 stays in the minutes only.
    expect(result.hoursRolledUntil?.toISOString()).toBe('2026-03-10T12:00:00.000Z');
    const report = await activityReport(database.pool, 6, now);
    const byHour = new Map(report.runsPerHour.map((row) => [row.hour, row]));
    expect(byHour.get('2026-03-10T09:00:00.000Z')).toMatchObject({ completed: 2, failed: 0 });
    expect(byHour.get('2026-03-10T12:00:00.000Z')).toMatchObject({ completed: 0, failed: 1 });
    // A second round changes nothing: nothing is counted twice.
    await rollUpMetrics(database.pool, now);
    const again = await activityReport(database.pool, 6, now);
    expect(again.runsPerHour).toEqual(report.runsPerHour);
  });

  it('adds an event that arrives after its hour was rolled up to that hour', async () => {
    await rollUpMetrics(database.pool, now);
    await recordMetricEvents(database.pool, [
      { metric: 'login_failures', label: '', at: hoursAgo(5), count: 1, total: 0 },
    ]);
    await rollUpMetrics(database.pool, now);
    expect(await count('metrics_minute')).toBe(0);
    const report = await activityReport(database.pool, 8, now);
    expect(report.loginFailuresPerHour.find((row) => row.failures > 0)?.hour).toBe(
      '2026-03-10T07:00:00.000Z',
    );
  });

  it('shows events not rolled up yet, so the current minute is on the plot', async () => {
    await recordMetricEvents(database.pool, [
      { metric: 'login_failures', label: '', at: hoursAgo(0), count: 2, total: 0 },
    ]);
    const report = await activityReport(database.pool, 1, now);
    expect(report.loginFailuresPerHour).toEqual([{ hour: '2026-03-10T12:00:00.000Z', failures: 2 }]);
  });

  it('keeps hours for 30 days, whatever happens to the run history, and drops older ones', async () => {
    await recordMetricEvents(database.pool, [
      { metric: 'runs', label: 'completed', at: hoursAgo(29 * 24), count: 4, total: 0 },
      { metric: 'runs', label: 'completed', at: hoursAgo(31 * 24), count: 9, total: 0 },
    ]);
    await rollUpMetrics(database.pool, now);
    await database.pool.query(sql.unsafe`DELETE FROM workflow_runs`);
    const report = await activityReport(database.pool, 30 * 24, now);
    const total = report.runsPerHour.reduce((sum, row) => sum + row.completed, 0);
    expect(total).toBe(4);
    expect(await count('metrics_hour')).toBe(1);
  });

  it('sums latency histograms across nodes and minutes into per-skill percentiles', async () => {
    const fast = [0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // 10 calls of 5–10 ms
    const slow = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]; // 1 call of 2–5 s
    await recordMetricEvents(database.pool, [
      { metric: 'skill_calls', label: 'rss_fetch', at: hoursAgo(2), count: 10, total: 80, buckets: fast },
      { metric: 'skill_calls', label: 'rss_fetch', at: hoursAgo(2), count: 1, total: 3_000, buckets: slow },
      { metric: 'skill_failures', label: 'rss_fetch', at: hoursAgo(2), count: 1, total: 0 },
    ]);
    await rollUpMetrics(database.pool, now);
    const report = await activityReport(database.pool, 6, now);
    expect(report.callsPerSkill).toHaveLength(1);
    const [skill] = report.callsPerSkill;
    expect(skill).toMatchObject({ skill: 'rss_fetch', calls: 11, failures: 1 });
    expect(skill!.p50Ms).toBeGreaterThan(5);
    expect(skill!.p50Ms).toBeLessThanOrEqual(10);
    expect(skill!.p99Ms).toBeGreaterThan(2_000);
  });

  it('plots a generated day with exactly the totals the generator wrote', async () => {
    const generated = await generateActivity(database.pool, { now, hours: 24 });
    const report = await activityReport(database.pool, 24, now);
    const sum = (rows: { completed: number; failed: number; cancelled: number }[]) =>
      rows.reduce(
        (totals, row) => ({
          completed: totals.completed + row.completed,
          failed: totals.failed + row.failed,
          cancelled: totals.cancelled + row.cancelled,
        }),
        { completed: 0, failed: 0, cancelled: 0 },
      );
    expect(sum(report.runsPerHour)).toEqual(generated.runs);
    expect(Object.fromEntries(report.callsPerSkill.map((row) => [row.skill, row.calls]))).toEqual(
      generated.skillCalls,
    );
    const tokens: Record<string, number> = {};
    for (const row of report.llmTokensPerDay)
      tokens[row.providerId] = (tokens[row.providerId] ?? 0) + row.tokens;
    expect(tokens).toEqual(generated.llmTokens);
    expect(report.loginFailuresPerHour.reduce((total, row) => total + row.failures, 0)).toBe(
      generated.loginFailures,
    );
    expect(report.runsPerHour.filter((row) => row.completed > 0).length).toBeGreaterThan(20);
  });
});
