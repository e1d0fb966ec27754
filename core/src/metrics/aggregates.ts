import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { LATENCY_BUCKET_COUNT, addBuckets, emptyBuckets, percentileMs } from './latency-buckets.ts';
import type { MetricName } from './metric-events.ts';

const HOUR_MS = 3_600_000;

const seriesRow = z.object({
  hour: z.number(),
  label: z.string(),
  count: z.number(),
  total: z.number(),
  buckets: z.array(z.number()).nullable(),
});
type SeriesRow = z.infer<typeof seriesRow>;

export const RUN_OUTCOMES = ['completed', 'failed', 'cancelled'] as const;

export interface ActivityReport {
  from: string;
  to: string;
  /** Every hour of the range, oldest first, zeros included. */
  runsPerHour: { hour: string; completed: number; failed: number; cancelled: number }[];
  skillLatencyPerHour: { hour: string; calls: number; p50Ms: number | null; p99Ms: number | null }[];
  /** Over the whole range, the busiest skill first. */
  callsPerSkill: {
    skill: string;
    calls: number;
    failures: number;
    p50Ms: number | null;
    p99Ms: number | null;
  }[];
  /** Per UTC day of the range, oldest first, then by provider. */
  llmTokensPerDay: { day: string; providerId: string; provider: string; requests: number; tokens: number }[];
  loginFailuresPerHour: { hour: string; failures: number }[];
}

/**
 * One metric per hour and label over [from, to): the per-hour rows for hours already rolled up,
 * the per-minute rows after them, and the events not moved yet (so the current minute shows too).
 */
async function hourlySeries(
  pool: DatabasePool,
  metric: MetricName,
  from: Date,
  to: Date,
): Promise<SeriesRow[]> {
  const start = from.toISOString();
  const end = to.toISOString();
  const rows = await pool.any(sql.type(seriesRow)`
    WITH state AS (SELECT hours_rolled_until AS rolled FROM metrics_rollup_state WHERE id = 1)
    SELECT hour, label, sum(count)::float8 AS count, sum(total)::float8 AS total,
           talon_sum_buckets(buckets)::float8[] AS buckets
    FROM (
      SELECT h.hour, h.label, h.count, h.total, h.buckets FROM metrics_hour h, state
      WHERE h.metric = ${metric} AND h.hour >= ${start}::timestamptz AND h.hour < ${end}::timestamptz
        AND (state.rolled IS NULL OR h.hour < state.rolled)
      UNION ALL
      SELECT date_trunc('hour', m.minute, 'UTC'), m.label, m.count, m.total, m.buckets FROM metrics_minute m, state
      WHERE m.metric = ${metric} AND m.minute >= ${start}::timestamptz AND m.minute < ${end}::timestamptz
        AND (state.rolled IS NULL OR m.minute >= state.rolled)
      UNION ALL
      SELECT date_trunc('hour', e.at, 'UTC'), e.label, e.count, e.total, e.buckets FROM metric_events e
      WHERE e.metric = ${metric} AND e.at >= ${start}::timestamptz AND e.at < ${end}::timestamptz
    ) AS figures
    GROUP BY hour, label ORDER BY hour, label`);
  return [...rows];
}

function hoursOf(from: Date, to: Date): number[] {
  const hours: number[] = [];
  for (let hour = from.getTime(); hour < to.getTime(); hour += HOUR_MS) hours.push(hour);
  return hours;
}

const providerRow = z.object({ id: z.string(), name: z.string() });

/**
 * What the dashboard plots for the last `hours` hours up to `now` (the current hour included):
 * runs per hour by outcome, skill-call latency p50/p99 per hour and calls per skill, LLM tokens
 * per provider per UTC day, and failed logins per hour.
 */
export async function activityReport(
  pool: DatabasePool,
  hours: number,
  now: Date = new Date(),
): Promise<ActivityReport> {
  const to = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS);
  const from = new Date(to.getTime() - hours * HOUR_MS);
  const range = hoursOf(from, to);
  const iso = (ms: number): string => new Date(ms).toISOString();

  const [runs, calls, failures, tokens, logins, providers] = await Promise.all([
    hourlySeries(pool, 'runs', from, to),
    hourlySeries(pool, 'skill_calls', from, to),
    hourlySeries(pool, 'skill_failures', from, to),
    hourlySeries(pool, 'llm_tokens', from, to),
    hourlySeries(pool, 'login_failures', from, to),
    pool.any(sql.type(providerRow)`SELECT id, name FROM llm_providers`),
  ]);

  const runsByHour = new Map<number, Record<(typeof RUN_OUTCOMES)[number], number>>();
  for (const row of runs) {
    if (!(RUN_OUTCOMES as readonly string[]).includes(row.label)) continue;
    const figures = runsByHour.get(row.hour) ?? { completed: 0, failed: 0, cancelled: 0 };
    figures[row.label as (typeof RUN_OUTCOMES)[number]] += row.count;
    runsByHour.set(row.hour, figures);
  }

  const latencyByHour = new Map<number, { calls: number; buckets: number[] }>();
  const perSkill = new Map<string, { calls: number; failures: number; buckets: number[] }>();
  for (const row of calls) {
    const buckets = row.buckets ?? new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
    const hour = latencyByHour.get(row.hour) ?? { calls: 0, buckets: emptyBuckets() };
    hour.calls += row.count;
    addBuckets(hour.buckets, buckets);
    latencyByHour.set(row.hour, hour);
    const skill = perSkill.get(row.label) ?? { calls: 0, failures: 0, buckets: emptyBuckets() };
    skill.calls += row.count;
    addBuckets(skill.buckets, buckets);
    perSkill.set(row.label, skill);
  }
  for (const row of failures) {
    const skill = perSkill.get(row.label) ?? { calls: 0, failures: 0, buckets: emptyBuckets() };
    skill.failures += row.count;
    perSkill.set(row.label, skill);
  }

  const names = new Map(providers.map((provider) => [provider.id, provider.name]));
  const tokensByDay = new Map<
    string,
    { day: string; providerId: string; requests: number; tokens: number }
  >();
  for (const row of tokens) {
    const day = iso(row.hour).slice(0, 10);
    const key = `${day}\u0000${row.label}`;
    const figures = tokensByDay.get(key) ?? { day, providerId: row.label, requests: 0, tokens: 0 };
    figures.requests += row.count;
    figures.tokens += row.total;
    tokensByDay.set(key, figures);
  }
  const loginsByHour = new Map(logins.map((row) => [row.hour, row.count]));

  return {
    from: iso(from.getTime()),
    to: iso(to.getTime()),
    runsPerHour: range.map((hour) => ({
      hour: iso(hour),
      ...(runsByHour.get(hour) ?? { completed: 0, failed: 0, cancelled: 0 }),
    })),
    skillLatencyPerHour: range.map((hour) => {
      const figures = latencyByHour.get(hour);
      return {
        hour: iso(hour),
        calls: figures?.calls ?? 0,
        p50Ms: figures ? percentileMs(figures.buckets, 0.5) : null,
        p99Ms: figures ? percentileMs(figures.buckets, 0.99) : null,
      };
    }),
    callsPerSkill: [...perSkill.entries()]
      .map(([skill, figures]) => ({
        skill,
        calls: figures.calls,
        failures: figures.failures,
        p50Ms: percentileMs(figures.buckets, 0.5),
        p99Ms: percentileMs(figures.buckets, 0.99),
      }))
      .sort((a, b) => b.calls - a.calls || a.skill.localeCompare(b.skill)),
    llmTokensPerDay: [...tokensByDay.values()]
      .sort((a, b) => a.day.localeCompare(b.day) || a.providerId.localeCompare(b.providerId))
      .map((figures) => ({ ...figures, provider: names.get(figures.providerId) ?? figures.providerId })),
    loginFailuresPerHour: range.map((hour) => ({ hour: iso(hour), failures: loginsByHour.get(hour) ?? 0 })),
  };
}
