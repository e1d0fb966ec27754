import type { DatabasePool } from 'slonik';
import { bucketIndex, emptyBuckets } from './latency-buckets.ts';
import { recordMetricEvents, type MetricEvent } from './metric-events.ts';
import { rollUpMetrics } from './rollup.ts';

/** A small seeded generator (mulberry32), so a generated day is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface GeneratedActivity {
  runs: { completed: number; failed: number; cancelled: number };
  skillCalls: Record<string, number>;
  llmTokens: Record<string, number>;
  loginFailures: number;
}

const SKILLS: readonly { name: string; typicalMs: number }[] = [
  { name: 'rss_fetch', typicalMs: 180 },
  { name: 'llm_transform', typicalMs: 1_400 },
  { name: 'json_transform', typicalMs: 4 },
  { name: 'echo', typicalMs: 2 },
];

/**
 * Generates the last `hours` UTC hours of activity up to `now` — the events the database triggers and the
 * skill-call meter write (workflow runs ending, skill calls with their latency, LLM tokens per
 * provider, failed logins), backdated over the period — then runs the rollup, as the job does each
 * minute. For demonstrations and tests of the plots (the Done-when of issue 17); never called by a
 * running Talon. Returns the totals it wrote, for a test to compare with what is shown.
 */
export async function generateActivity(
  pool: DatabasePool,
  options: { now?: Date; hours?: number; seed?: number; llmProviders?: readonly string[] } = {},
): Promise<GeneratedActivity> {
  const now = options.now ?? new Date();
  const hours = options.hours ?? 24;
  const random = seededRandom(options.seed ?? 17);
  const providers = options.llmProviders ?? ['anthropic', 'local_llama'];
  const totals: GeneratedActivity = {
    runs: { completed: 0, failed: 0, cancelled: 0 },
    skillCalls: {},
    llmTokens: {},
    loginFailures: 0,
  };
  const events: MetricEvent[] = [];
  for (let hoursAgo = hours - 1; hoursAgo >= 0; hoursAgo--) {
    // Whole UTC hours, the current one up to `now`: what the dashboard's last `hours` hours show.
    const hourStart = Math.floor(now.getTime() / 3_600_000) * 3_600_000 - hoursAgo * 3_600_000;
    const span = Math.min(3_600_000, now.getTime() - hourStart);
    const at = (): Date => new Date(hourStart + Math.floor(random() * span));
    // Busier in the (UTC) day than at night.
    const hourOfDay = new Date(hourStart).getUTCHours();
    const busy = hourOfDay >= 7 && hourOfDay <= 22 ? 1 : 0.3;
    const runCounts = {
      completed: Math.round((8 + random() * 12) * busy),
      failed: Math.round(random() * 3 * busy),
      cancelled: random() < 0.15 ? 1 : 0,
    };
    for (const [outcome, count] of Object.entries(runCounts) as [keyof typeof runCounts, number][]) {
      for (let index = 0; index < count; index++)
        events.push({ metric: 'runs', label: outcome, at: at(), count: 1, total: 0 });
      totals.runs[outcome] += count;
    }
    for (const skill of SKILLS) {
      const calls = Math.round((5 + random() * 25) * busy);
      if (calls === 0) continue;
      const buckets = emptyBuckets();
      let totalMs = 0;
      let failures = 0;
      for (let index = 0; index < calls; index++) {
        // Mostly near the typical time, now and then ten times slower.
        const durationMs = skill.typicalMs * (0.5 + random()) * (random() < 0.03 ? 10 : 1);
        buckets[bucketIndex(durationMs)]! += 1;
        totalMs += durationMs;
        if (random() < 0.04) failures += 1;
      }
      events.push({
        metric: 'skill_calls',
        label: skill.name,
        at: at(),
        count: calls,
        total: totalMs,
        buckets,
      });
      if (failures > 0)
        events.push({ metric: 'skill_failures', label: skill.name, at: at(), count: failures, total: 0 });
      totals.skillCalls[skill.name] = (totals.skillCalls[skill.name] ?? 0) + calls;
    }
    for (const provider of providers) {
      const requests = Math.round(random() * 6 * busy);
      if (requests === 0) continue;
      const tokens = requests * Math.round(400 + random() * 1_600);
      events.push({ metric: 'llm_tokens', label: provider, at: at(), count: requests, total: tokens });
      totals.llmTokens[provider] = (totals.llmTokens[provider] ?? 0) + tokens;
    }
    const failedLogins = random() < 0.1 ? Math.round(1 + random() * 6) : 0;
    for (let index = 0; index < failedLogins; index++) {
      events.push({ metric: 'login_failures', label: '', at: at(), count: 1, total: 0 });
    }
    totals.loginFailures += failedLogins;
  }
  await recordMetricEvents(pool, events);
  await rollUpMetrics(pool, now);
  return totals;
}
