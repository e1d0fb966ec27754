import { describe, expect, it } from 'vitest';
import { bucketIndex, emptyBuckets, percentileMs } from './latency-buckets.ts';

function histogram(durations: number[]): number[] {
  const buckets = emptyBuckets();
  for (const duration of durations) buckets[bucketIndex(duration)]! += 1;
  return buckets;
}

describe('latency percentiles from a histogram', () => {
  it('puts the median of calls around 30 ms in the 20–50 ms bucket and the slow tail in p99', () => {
    const durations = [...new Array<number>(98).fill(30), 4_000, 4_000];
    const buckets = histogram(durations);
    const p50 = percentileMs(buckets, 0.5)!;
    expect(p50).toBeGreaterThan(20);
    expect(p50).toBeLessThanOrEqual(50);
    const p99 = percentileMs(buckets, 0.99)!;
    expect(p99).toBeGreaterThan(2_000);
    expect(p99).toBeLessThanOrEqual(5_000);
  });

  it('has no percentile without calls, and says "at least a minute" for calls past the last bound', () => {
    expect(percentileMs(emptyBuckets(), 0.5)).toBeNull();
    expect(percentileMs(histogram([120_000, 90_000]), 0.5)).toBe(60_000);
  });

  it('counts a duration on a bound in the bucket it closes', () => {
    expect(bucketIndex(1)).toBe(0);
    expect(bucketIndex(1.01)).toBe(1);
    expect(bucketIndex(0)).toBe(0);
  });
});
