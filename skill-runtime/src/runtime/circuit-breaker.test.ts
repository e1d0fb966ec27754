import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreakers, type BreakerChange } from './circuit-breaker.ts';

afterEach(() => {
  vi.useRealTimers();
});

function breakers(cooldownMs = 1000): { breakers: CircuitBreakers; changes: BreakerChange[] } {
  const created = new CircuitBreakers(() => cooldownMs);
  const changes: BreakerChange[] = [];
  created.on('change', (change) => changes.push(change));
  return { breakers: created, changes };
}

describe('a skill’s circuit breaker', () => {
  it('counts consecutive failures only: a success in between starts again from zero', () => {
    const { breakers: b } = breakers();
    b.record('s', 'call', 'timeout: slow');
    b.record('s', 'call', 'timeout: slow');
    b.record('s', 'call', null);
    b.record('s', 'call', 'crashed: gone');
    expect(b.snapshot('s')).toMatchObject({ state: 'closed', failures: 1, lastError: 'crashed: gone' });
  });

  it('re-opens when the half-open probe fails, with a fresh cooldown, and lets no second probe in meanwhile', () => {
    vi.useFakeTimers();
    const { breakers: b, changes } = breakers(5000);
    for (let i = 0; i < 3; i++) b.record('s', b.admit('s') as 'call', 'memory_limit: too big');
    expect(b.admit('s')).toBe('rejected');
    vi.advanceTimersByTime(5000);
    expect(b.admit('s')).toBe('probe');
    expect(b.admit('s')).toBe('rejected');
    b.record('s', 'probe', 'memory_limit: still too big');
    expect(b.snapshot('s')).toMatchObject({
      state: 'open',
      failures: 4,
      lastError: 'memory_limit: still too big',
    });
    vi.advanceTimersByTime(4999);
    expect(b.admit('s')).toBe('rejected');
    vi.advanceTimersByTime(1);
    expect(b.admit('s')).toBe('probe');
    expect(changes.map((change) => `${change.to}:${change.reason}`)).toEqual([
      'open:failures',
      'half_open:cooldown',
      'open:probe_failed',
      'half_open:cooldown',
    ]);
    b.close();
  });

  it('does not count a released attempt, and a released probe lets the next attempt probe', () => {
    vi.useFakeTimers();
    const { breakers: b } = breakers(1000);
    b.release('s', b.admit('s') as 'call');
    b.release('s', b.admit('s') as 'call');
    b.release('s', b.admit('s') as 'call');
    expect(b.snapshot('s')).toMatchObject({ state: 'closed', failures: 0 });
    for (let i = 0; i < 3; i++) b.record('s', b.admit('s') as 'call', 'timeout: slow');
    vi.advanceTimersByTime(1000);
    b.release('s', b.admit('s') as 'probe');
    expect(b.admit('s')).toBe('probe');
    b.close();
  });

  it('does not close on a late success of a call admitted before it opened', () => {
    const { breakers: b } = breakers();
    const late = b.admit('s');
    for (let i = 0; i < 3; i++) b.record('s', 'call', 'skill_error: boom');
    b.record('s', late as 'call', null);
    expect(b.snapshot('s').state).toBe('open');
    b.close();
  });

  it('reads the cooldown when it opens, so a changed setting applies to the next opening', () => {
    vi.useFakeTimers();
    let cooldown = 10_000;
    const b = new CircuitBreakers(() => cooldown);
    for (let i = 0; i < 3; i++) b.record('s', 'call', 'x');
    b.reset('s');
    cooldown = 100;
    for (let i = 0; i < 3; i++) b.record('s', 'call', 'x');
    vi.advanceTimersByTime(100);
    expect(b.snapshot('s').state).toBe('half_open');
    b.close();
  });
});
