/**
 * SkillAPI calls per skill per second, as a token bucket: a burst of `perSecond` calls, refilled
 * continuously. One bucket per skill name, shared by every run of that skill.
 */
export class SkillRateLimiter {
  readonly #perSecond: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
  }

  get perSecond(): number {
    return this.#perSecond;
  }

  /** Takes one call from the skill's bucket; false when the bucket is empty. */
  take(skill: string, now = performance.now()): boolean {
    const bucket = this.#buckets.get(skill) ?? { tokens: this.#perSecond, at: now };
    bucket.tokens = Math.min(this.#perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
    bucket.at = now;
    this.#buckets.set(skill, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  forget(skill: string): void {
    this.#buckets.delete(skill);
  }
}
