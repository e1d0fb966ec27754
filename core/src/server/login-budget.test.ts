import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { Announcements, type Announcement } from '../announcements/announcements.ts';
import { anonymousSession } from '../testing/admin-session.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../testing/test-app.ts';

// Issue 10 §4: the per-address limit alone let a botnet, or one IPv6 /64, guess without end.

let database: TestDatabase;
let talon: TestApp;
/** The budget's clock: a pause moves it on instead of waiting, unless `holdClock` is set. */
let clock = Date.now();
let holdClock = false;
const pauses: number[] = [];
const heard: Announcement[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const announcements = new Announcements();
  announcements.subscribe((announcement) => heard.push(announcement));
  talon = await createTestApp({
    database,
    announcements,
    loginTiming: {
      now: () => clock,
      pause: async (ms) => {
        pauses.push(ms);
        if (!holdClock) clock += ms;
      },
    },
  });
});
afterAll(async () => {
  await talon?.close();
  await database?.drop();
});
beforeEach(async () => {
  for (const table of ['login_failures', 'login_blocks', 'login_budget_attempts', 'audit_log']) {
    await database.pool.query(sql.unsafe`DELETE FROM ${sql.identifier([table])}`);
  }
  await database.pool.query(sql.unsafe`UPDATE login_budget SET next_slot_at = NULL, exhausted_at = NULL`);
  await talon.settings.set('auth.rate_limit.max_attempts', 5);
  await talon.settings.set('auth.rate_limit.global_max_failures', 50);
  await talon.settings.set('auth.rate_limit.global_window_seconds', 900);
  clock += 3_600_000;
  holdClock = false;
  pauses.length = 0;
  heard.length = 0;
});

async function attempt(password: string, remoteAddress: string) {
  const anonymous = await anonymousSession(talon.app);
  return talon.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: anonymous.headers,
    payload: { password },
    remoteAddress,
  });
}

/** A fresh address for every guess, as a botnet has. */
let host = 0;
const botAddress = (): string => `198.18.${(++host >> 8) & 0xff}.${host & 0xff}`;

describe('IPv6 addresses', () => {
  it('are counted per /64: a fresh address inside it is no fresh start', async () => {
    for (let i = 1; i <= 5; i++) {
      expect((await attempt(`wrong ${i}`, `2001:db8:1:2::${i.toString(16)}`)).statusCode).toBe(401);
    }
    const blocked = await attempt(TEST_ADMIN_PASSWORD, '2001:db8:1:2:ffff:ffff:ffff:ffff');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ error: 'rate_limited' });
    // The neighbouring /64 is someone else.
    expect((await attempt(TEST_ADMIN_PASSWORD, '2001:db8:1:3::1')).statusCode).toBe(200);
    const [failure] = await talon.audit.recent({ action: 'auth.login', limit: 1, outcome: 'failed' });
    expect(failure).toMatchObject({ source: '2001:db8:1:2::5', details: { countedAs: '2001:db8:1:2::/64' } });
  });

  it('an IPv4-mapped IPv6 address is the IPv4 address it maps', async () => {
    for (let i = 0; i < 5; i++) await attempt(`wrong ${i}`, '203.0.113.9');
    expect((await attempt(TEST_ADMIN_PASSWORD, '::ffff:203.0.113.9')).statusCode).toBe(429);
  });
});

describe('the global failure budget', () => {
  it('does not slow anyone down while failures stay within the budget', async () => {
    await talon.settings.set('auth.rate_limit.global_max_failures', 10);
    for (let i = 0; i < 9; i++) expect((await attempt('guess', botAddress())).statusCode).toBe(401);
    expect((await attempt(TEST_ADMIN_PASSWORD, botAddress())).statusCode).toBe(200);
    expect(pauses).toEqual([]);
    expect(heard).toEqual([]);
  });

  it('once used up, slows every attempt by 1 s, doubling up to 30 s, announces it once, and never locks the owner out', async () => {
    await talon.settings.set('auth.rate_limit.global_max_failures', 10);
    for (let i = 0; i < 10; i++) expect((await attempt('guess', botAddress())).statusCode).toBe(401);
    expect(pauses).toEqual([]);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ kind: 'login_budget_exhausted' });
    expect(heard[0]!.text).toContain('10 wrong admin passwords in 15 minutes');
    const [entry] = await talon.audit.recent({ action: 'auth.login_budget', limit: 5 });
    expect(entry).toMatchObject({
      outcome: 'denied',
      reason: 'budget_exhausted',
      details: { failures: 10, maxFailures: 10, windowSeconds: 900 },
    });

    for (let i = 0; i < 7; i++) expect((await attempt('guess', botAddress())).statusCode).toBe(401);
    expect(pauses).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    // The owner's right password waits its turn like everyone's, and gets in.
    expect((await attempt(TEST_ADMIN_PASSWORD, botAddress())).statusCode).toBe(200);
    expect(pauses.at(-1)).toBe(30_000);
    expect(heard).toHaveLength(1);
    expect(await talon.audit.recent({ action: 'auth.login_budget', limit: 5 })).toHaveLength(1);
  });

  it('gives parallel guesses from many addresses one turn at a time, refusing the rest with when to come back', async () => {
    await talon.settings.set('auth.rate_limit.global_max_failures', 3);
    for (let i = 0; i < 8; i++) await attempt('guess', botAddress()); // well past the budget: 30 s turns
    pauses.length = 0;
    holdClock = true; // all of them arrive at the same moment
    const flood = await Promise.all(Array.from({ length: 12 }, () => attempt('guess', botAddress())));
    const refused = flood.filter((response) => response.statusCode === 429);
    expect(flood.filter((response) => response.statusCode === 401)).toHaveLength(1);
    expect(refused).toHaveLength(11);
    for (const response of refused) {
      expect(response.json()).toMatchObject({ error: 'login_throttled' });
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(30);
    }
    expect(pauses).toEqual([30_000]);
    // Refused attempts were never checked, so they do not count as failures either.
    const counted = await database.pool.oneFirst(sql.unsafe`SELECT count(*)::int FROM login_budget_attempts`);
    expect(counted).toBe(8 + 1);
  });

  it('a parallel burst cannot slip past the budget before its failures are written', async () => {
    await talon.settings.set('auth.rate_limit.global_max_failures', 5);
    holdClock = true;
    const burst = await Promise.all(Array.from({ length: 10 }, () => attempt('guess', botAddress())));
    // Five run at once; the next turns lie 1, 2, 4 and 8 s apart; the rest would wait past 30 s.
    expect(burst.filter((response) => response.statusCode === 401)).toHaveLength(9);
    expect(burst.filter((response) => response.statusCode === 429)).toHaveLength(1);
    expect(pauses.sort((a, b) => a - b)).toEqual([1_000, 3_000, 7_000, 15_000]);
  });

  it('lets logins through at full speed again once the failures fall out of the window', async () => {
    await talon.settings.set('auth.rate_limit.global_max_failures', 3);
    for (let i = 0; i < 4; i++) await attempt('guess', botAddress());
    expect(pauses).toEqual([1_000]);
    clock += 901_000;
    pauses.length = 0;
    expect((await attempt(TEST_ADMIN_PASSWORD, botAddress())).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) await attempt('guess', botAddress());
    expect(pauses).toEqual([]);
    // Used up a second time: announced again.
    expect(heard.map((announcement) => announcement.kind)).toEqual([
      'login_budget_exhausted',
      'login_budget_exhausted',
    ]);
  });
});
