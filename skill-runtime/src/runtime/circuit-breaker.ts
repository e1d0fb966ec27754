import { EventEmitter } from 'node:events';
import type { BreakerState } from '../contract/runtime-contract.ts';
import { BREAKER_LIMITS } from '../limits.ts';

export interface BreakerSnapshot {
  state: BreakerState;
  failures: number;
  lastError: string | null;
  changedAt: string;
}

export interface BreakerChange {
  skill: string;
  from: BreakerState;
  to: BreakerState;
  failures: number;
  lastError: string | null;
  /** Why it changed: `failures`, `cooldown`, `probe_succeeded`, `probe_failed`, `reset`. */
  reason: 'failures' | 'cooldown' | 'probe_succeeded' | 'probe_failed' | 'reset';
}

export interface BreakerEventMap {
  change: [BreakerChange];
}

interface Breaker {
  state: BreakerState;
  failures: number;
  lastError: string | null;
  changedAt: number;
  timer: NodeJS.Timeout | undefined;
  probeInFlight: boolean;
}

/** What `admit` answers: run it (as a probe or normally), or reject it at once. */
export type Admission = 'call' | 'probe' | 'rejected';

/**
 * One breaker per skill name: closed → open after 3 consecutive failures → half-open after the
 * cooldown, where exactly ONE probe call goes through (AlexClaw lets every caller through) →
 * closed on its success, open again on its failure. State changes are `change` events.
 */
export class CircuitBreakers extends EventEmitter<BreakerEventMap> {
  readonly #breakers = new Map<string, Breaker>();
  readonly #cooldownMs: () => number;

  /** `cooldownMs` is read each time a breaker opens, so a changed setting applies to the next opening. */
  constructor(cooldownMs: () => number) {
    super();
    this.#cooldownMs = cooldownMs;
  }

  snapshot(skill: string): BreakerSnapshot {
    const breaker = this.#breakers.get(skill);
    if (!breaker)
      return { state: 'closed', failures: 0, lastError: null, changedAt: new Date(0).toISOString() };
    return {
      state: breaker.state,
      failures: breaker.failures,
      lastError: breaker.lastError,
      changedAt: new Date(breaker.changedAt).toISOString(),
    };
  }

  admit(skill: string): Admission {
    const breaker = this.#get(skill);
    if (breaker.state === 'closed') return 'call';
    if (breaker.state === 'half_open' && !breaker.probeInFlight) {
      breaker.probeInFlight = true;
      return 'probe';
    }
    return 'rejected';
  }

  /** Records the outcome of an admitted call. `probe` says whether it was the half-open probe. */
  record(skill: string, admission: Exclude<Admission, 'rejected'>, error: string | null): void {
    const breaker = this.#get(skill);
    if (admission === 'probe') {
      breaker.probeInFlight = false;
      if (breaker.state !== 'half_open') return;
      if (error === null) {
        breaker.failures = 0;
        breaker.lastError = null;
        this.#move(skill, breaker, 'closed', 'probe_succeeded');
      } else {
        breaker.failures += 1;
        breaker.lastError = error;
        this.#open(skill, breaker, 'probe_failed');
      }
      return;
    }
    if (error === null) {
      // A late success while open or half-open does not close the breaker: only the probe can.
      if (breaker.state === 'closed') {
        breaker.failures = 0;
        breaker.lastError = null;
      }
      return;
    }
    breaker.failures += 1;
    breaker.lastError = error;
    if (breaker.state === 'closed' && breaker.failures >= BREAKER_LIMITS.maxFailures)
      this.#open(skill, breaker, 'failures');
  }

  /**
   * Ends an admitted call without counting it: a failed attempt that its caller will retry (a workflow
   * step's retries count once, with the final attempt). A probe slot is freed for the next attempt.
   */
  release(skill: string, admission: Exclude<Admission, 'rejected'>): void {
    if (admission === 'probe') this.#get(skill).probeInFlight = false;
  }

  /** Manual reset (admin) or a re-installed skill: closed, count 0. */
  reset(skill: string): void {
    const breaker = this.#breakers.get(skill);
    if (!breaker) return;
    clearTimeout(breaker.timer);
    breaker.timer = undefined;
    breaker.failures = 0;
    breaker.lastError = null;
    breaker.probeInFlight = false;
    if (breaker.state !== 'closed') this.#move(skill, breaker, 'closed', 'reset');
  }

  forget(skill: string): void {
    clearTimeout(this.#breakers.get(skill)?.timer);
    this.#breakers.delete(skill);
  }

  close(): void {
    for (const breaker of this.#breakers.values()) clearTimeout(breaker.timer);
  }

  #get(skill: string): Breaker {
    let breaker = this.#breakers.get(skill);
    if (!breaker) {
      breaker = {
        state: 'closed',
        failures: 0,
        lastError: null,
        changedAt: Date.now(),
        timer: undefined,
        probeInFlight: false,
      };
      this.#breakers.set(skill, breaker);
    }
    return breaker;
  }

  #open(skill: string, breaker: Breaker, reason: BreakerChange['reason']): void {
    clearTimeout(breaker.timer);
    breaker.timer = setTimeout(() => {
      breaker.timer = undefined;
      breaker.probeInFlight = false;
      this.#move(skill, breaker, 'half_open', 'cooldown');
    }, this.#cooldownMs());
    breaker.timer.unref();
    this.#move(skill, breaker, 'open', reason);
  }

  #move(skill: string, breaker: Breaker, to: BreakerState, reason: BreakerChange['reason']): void {
    const from = breaker.state;
    breaker.state = to;
    breaker.changedAt = Date.now();
    this.emit('change', {
      skill,
      from,
      to,
      failures: breaker.failures,
      lastError: breaker.lastError,
      reason,
    });
  }
}
