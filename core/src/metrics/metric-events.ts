import { sql, type DatabasePool } from 'slonik';

/**
 * What is measured, and where each figure comes from:
 * - `runs` (label: completed, failed, cancelled): a database trigger when a workflow run ends;
 * - `skill_calls` (label: skill; total: milliseconds; buckets: latency) and `skill_failures` (label:
 *   skill): each node's SkillCallMeter around the skill runtime;
 * - `llm_tokens` (label: provider id; count: requests; total: tokens): a trigger on the LLM usage table;
 * - `login_failures`: a trigger on the login rate limiter's failures.
 */
export type MetricName = 'runs' | 'skill_calls' | 'skill_failures' | 'llm_tokens' | 'login_failures';

export interface MetricEvent {
  metric: MetricName;
  label: string;
  at: Date;
  count: number;
  /** A sum that goes with the count: milliseconds of the calls, tokens of the requests. */
  total: number;
  buckets?: readonly number[] | undefined;
}

/** Appends events in one statement; the rollup job moves them into the per-minute and per-hour rows. */
export async function recordMetricEvents(pool: DatabasePool, events: readonly MetricEvent[]): Promise<void> {
  if (events.length === 0) return;
  await pool.query(sql.unsafe`
    INSERT INTO metric_events (metric, label, at, count, total, buckets)
    SELECT e.metric, e.label, e.at, e.count, e.total,
           CASE WHEN e.buckets = 'null'::jsonb THEN NULL
                ELSE ARRAY(SELECT b.value::bigint FROM jsonb_array_elements_text(e.buckets) WITH ORDINALITY AS b(value, n)
                           ORDER BY b.n) END
    FROM jsonb_to_recordset(${sql.jsonb(
      events.map((event) => ({
        metric: event.metric,
        label: event.label,
        at: event.at.toISOString(),
        count: event.count,
        total: event.total,
        buckets: event.buckets ? [...event.buckets] : null,
      })),
    )}) AS e(metric text, label text, at timestamptz, count bigint, total double precision, buckets jsonb)`);
}
