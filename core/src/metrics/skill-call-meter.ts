import type {
  SkillPackage,
  SkillRunRequest,
  SkillRunResult,
  SkillRuntime,
  SkillStatus,
} from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { DatabasePool } from 'slonik';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { addBuckets, bucketIndex, emptyBuckets } from './latency-buckets.ts';
import { METRICS_LIMITS } from './limits.ts';
import { recordMetricEvents, type MetricEvent } from './metric-events.ts';

interface MinuteFigures {
  skill: string;
  minute: number;
  calls: number;
  failures: number;
  totalMs: number;
  buckets: number[];
}

const MINUTE_MS = 60_000;

export interface SkillCallMeterOptions {
  pool: DatabasePool;
  logger: Logger;
  now?: () => number;
  flushIntervalMs?: number;
}

/**
 * Counts the skill calls this node makes (every run through the runtime it wraps: workflow steps,
 * the admin's "run") with their latency, per skill and minute, in memory; writes them as metric
 * events every few seconds, so a call costs no database write of its own.
 */
export class SkillCallMeter {
  readonly #pool: DatabasePool;
  readonly #logger: Logger;
  readonly #now: () => number;
  #pending = new Map<string, MinuteFigures>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(options: SkillCallMeterOptions) {
    this.#pool = options.pool;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(
      () => void this.flush(),
      options.flushIntervalMs ?? METRICS_LIMITS.meterFlushIntervalMs,
    );
    this.#timer.unref();
  }

  /** Counts one finished call. */
  observe(skill: string, result: Pick<SkillRunResult, 'ok' | 'durationMs'>): void {
    const minute = Math.floor(this.#now() / MINUTE_MS) * MINUTE_MS;
    const key = `${minute}:${skill}`;
    let figures = this.#pending.get(key);
    if (!figures) {
      figures = { skill, minute, calls: 0, failures: 0, totalMs: 0, buckets: emptyBuckets() };
      this.#pending.set(key, figures);
    }
    figures.calls += 1;
    if (!result.ok) figures.failures += 1;
    figures.totalMs += result.durationMs;
    figures.buckets[bucketIndex(result.durationMs)]! += 1;
  }

  /** The same runtime, with every `run` counted here. */
  wrap(runtime: SkillRuntime): SkillRuntime {
    return {
      install: (pkg: SkillPackage): Promise<void> => runtime.install(pkg),
      uninstall: (name: string): Promise<void> => runtime.uninstall(name),
      run: async (name: string, request: SkillRunRequest): Promise<SkillRunResult> => {
        const result = await runtime.run(name, request);
        this.observe(name, result);
        return result;
      },
      status: (name: string): SkillStatus | undefined => runtime.status(name),
      list: (): SkillStatus[] => runtime.list(),
      resetBreaker: (name: string): void => runtime.resetBreaker(name),
      close: (): Promise<void> => runtime.close(),
    };
  }

  /** Writes what was counted since the last flush; a failed write keeps the figures for the next one. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.size === 0) return;
      const taken = this.#pending;
      this.#pending = new Map();
      const events: MetricEvent[] = [];
      for (const figures of taken.values()) {
        const at = new Date(figures.minute);
        events.push({
          metric: 'skill_calls',
          label: figures.skill,
          at,
          count: figures.calls,
          total: figures.totalMs,
          buckets: figures.buckets,
        });
        if (figures.failures > 0) {
          events.push({
            metric: 'skill_failures',
            label: figures.skill,
            at,
            count: figures.failures,
            total: 0,
          });
        }
      }
      try {
        await recordMetricEvents(this.#pool, events);
      } catch (error) {
        this.#logger.warn(
          { reason: errorMessage(error) },
          'could not write skill call figures; kept for the next try',
        );
        for (const [key, figures] of taken) {
          const newer = this.#pending.get(key);
          if (newer) {
            newer.calls += figures.calls;
            newer.failures += figures.failures;
            newer.totalMs += figures.totalMs;
            addBuckets(newer.buckets, figures.buckets);
          } else {
            this.#pending.set(key, figures);
          }
        }
      }
    });
    return this.#flushing;
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
