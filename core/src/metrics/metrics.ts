import type { DatabasePool } from 'slonik';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { activityReport, type ActivityReport } from './aggregates.ts';
import { METRICS_LIMITS } from './limits.ts';
import { rollUpMetrics } from './rollup.ts';
import { SkillCallMeter } from './skill-call-meter.ts';

export interface Metrics {
  /** Counts skill calls; wrap the runtime the workflow engine and the admin call. */
  meter: SkillCallMeter;
  /** What the dashboard plots over the last `hours` hours. */
  activity(hours: number): Promise<ActivityReport>;
  stop(): Promise<void>;
}

/**
 * The metrics of one node: its skill-call meter, and the rollup round every node runs each minute
 * (they take turns on a row lock, so it does not matter how many nodes there are).
 */
export function startMetrics(options: {
  pool: DatabasePool;
  logger: Logger;
  rollupIntervalMs?: number;
}): Metrics {
  const logger = options.logger.child({ domain: 'metrics' });
  const meter = new SkillCallMeter({ pool: options.pool, logger });
  let round: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    round = rollUpMetrics(options.pool).catch((error: unknown) =>
      logger.warn(
        { reason: errorMessage(error) },
        'the metrics rollup failed; it is tried again next minute',
      ),
    );
  }, options.rollupIntervalMs ?? METRICS_LIMITS.rollupIntervalMs);
  timer.unref();
  return {
    meter,
    activity: (hours) => activityReport(options.pool, hours),
    stop: async () => {
      clearInterval(timer);
      await round;
      await meter.stop();
    },
  };
}
