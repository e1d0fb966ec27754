/** Every limit of the metrics rollups, defined once with its unit and why. */
export const METRICS_LIMITS = {
  /** Per-hour rows are kept this many days, whatever run-history pruning deletes (issue 17). */
  hourRetentionDays: 30,
  /** Per-minute rows are kept this many hours after their hour was rolled up (the fine-grained recent past). */
  minuteRetentionHours: 24,
  /** An hour is rolled up this long after it ended, so a meter's late flush still lands in its minutes. */
  hourCloseGraceMs: 2 * 60_000,
  /** How often each node moves new events into the rollups (milliseconds). */
  rollupIntervalMs: 60_000,
  /** How often a node writes its skill-call figures as events (milliseconds). */
  meterFlushIntervalMs: 10_000,
  /** Events moved per rollup round at most, so one round never holds the lock for long. */
  eventsPerRound: 50_000,
  /** The longest range the aggregate endpoint serves (hours): the retention. */
  maxRangeHours: 30 * 24,
} as const;
