/**
 * Latency histograms with fixed buckets, so per-minute figures of every node add up element by
 * element (SQL `talon_sum_buckets`) and percentiles come from the sum. Bucket i counts durations
 * above LATENCY_BUCKET_BOUNDS_MS[i - 1] and up to LATENCY_BUCKET_BOUNDS_MS[i]; the last one has no
 * upper bound.
 */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000,
];

/** Buckets in one histogram: one per bound, plus the open-ended last one. */
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKET_BOUNDS_MS.length + 1;

export function emptyBuckets(): number[] {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

export function bucketIndex(durationMs: number): number {
  const index = LATENCY_BUCKET_BOUNDS_MS.findIndex((bound) => durationMs <= bound);
  return index === -1 ? LATENCY_BUCKET_BOUNDS_MS.length : index;
}

export function addBuckets(into: number[], from: readonly number[]): void {
  for (let index = 0; index < LATENCY_BUCKET_COUNT; index++) into[index]! += from[index] ?? 0;
}

/**
 * The duration below which `fraction` (0.5, 0.99) of the calls fall, interpolated linearly inside
 * the bucket that holds it; null without calls. In the open-ended bucket it is that bucket's lower
 * bound (the histogram cannot tell more).
 */
export function percentileMs(buckets: readonly number[], fraction: number): number | null {
  const total = buckets.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = fraction * total;
  let below = 0;
  for (let index = 0; index < buckets.length; index++) {
    const count = buckets[index] ?? 0;
    if (count > 0 && below + count >= rank) {
      const lower = index === 0 ? 0 : LATENCY_BUCKET_BOUNDS_MS[index - 1]!;
      const upper = LATENCY_BUCKET_BOUNDS_MS[index];
      if (upper === undefined) return lower;
      return Math.round((lower + ((rank - below) / count) * (upper - lower)) * 100) / 100;
    }
    below += count;
  }
  return LATENCY_BUCKET_BOUNDS_MS.at(-1)!;
}
