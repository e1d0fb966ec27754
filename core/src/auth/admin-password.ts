import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Checks a submitted password against ADMIN_PASSWORD. Both sides are HMAC-ed with a per-process
 * random key first, so the comparison is over two 32-byte digests: constant time, and neither
 * its duration nor an early exit reveals the password's length.
 */
export class AdminPassword {
  readonly #digest: Buffer | undefined;
  readonly #key = randomBytes(32);

  /** `undefined` or empty means "not set": every attempt fails and nobody gets in. */
  constructor(configured: string | undefined) {
    this.#digest = configured ? this.#hash(configured) : undefined;
  }

  get isSet(): boolean {
    return this.#digest !== undefined;
  }

  matches(submitted: string): boolean {
    const candidate = this.#hash(submitted);
    if (this.#digest === undefined) return false;
    return timingSafeEqual(candidate, this.#digest);
  }

  #hash(value: string): Buffer {
    return createHmac('sha256', this.#key).update(value, 'utf8').digest();
  }
}
