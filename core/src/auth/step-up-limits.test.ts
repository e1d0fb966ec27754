import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { Announcements, type Announcement } from '../announcements/announcements.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { createLogger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { loadTestSettings } from '../testing/test-settings.ts';
import { AuthError } from './auth-errors.ts';
import { StepUp, type StepUpRequest } from './step-up.ts';
import { TotpGuard } from './totp-guard.ts';
import { newTotpSecret, totpCodeAt } from './totp.ts';

// Issue 10 §6: five wrong codes from any session answered 429 to every session, so whoever held a
// stolen session (or just the password) could keep the owner from every step-up. Now wrong codes
// count per session (5), per Telegram chat (5) and per address (10), under one global limit (30).

let database: TestDatabase;
let settings: SettingsStore;
let audit: AuditLog;
let now = 1_900_000_015;
let stepUp: StepUp;
const heard: Announcement[] = [];
const secret = newTotpSecret();

beforeAll(async () => {
  database = await createTestDatabase();
  const logger = createLogger('silent');
  settings = await loadTestSettings(database.pool);
  audit = new AuditLog(database.pool, logger);
  const announcements = new Announcements();
  announcements.subscribe((announcement) => heard.push(announcement));
  stepUp = new StepUp({
    settings,
    guard: new TotpGuard(database.pool),
    audit,
    announcements,
    nowSeconds: () => now,
  });
  await settings.set('auth.totp.secret', secret);
  await settings.set('auth.totp.enabled', true);
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(async () => {
  now += 300; // a fresh time step: the owner's code below is never a replay
  await database.pool.query(sql.unsafe`DELETE FROM totp_failures`);
  await database.pool.query(sql.unsafe`DELETE FROM audit_log`);
  heard.length = 0;
  acceptedCodes.clear();
  for (const drift of [-30, 0, 30, 60]) acceptedCodes.set(now + drift, await totpCodeAt(secret, now + drift));
});

const attacker = (n: number, address = '198.51.100.66'): Omit<StepUpRequest, 'code' | 'action'> => ({
  actor: 'admin',
  source: address,
  session: `stolen-${n}`,
});
const owner: Omit<StepUpRequest, 'code' | 'action'> = {
  actor: 'admin',
  source: '203.0.113.5',
  session: 'owner',
};

async function outcome(who: Omit<StepUpRequest, 'code' | 'action'>, code: string): Promise<string> {
  try {
    await stepUp.verify({ ...who, action: 'settings.update', code });
    return 'accepted';
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return error.code;
  }
}
const ownersCode = (): Promise<string> => totpCodeAt(secret, now);
/** The codes of the steps around this test's `now` (also after it moves on by one step). */
const acceptedCodes = new Map<number, string>();
/** Six-digit codes that are none of the ones this test could accept (±1 step of drift). */
function wrongCodes(count: number): string[] {
  const accepted = [...acceptedCodes.values()];
  return Array.from({ length: count + 3 }, (_, i) => String(900_000 + i))
    .filter((code) => !accepted.includes(code))
    .slice(0, count);
}

describe('wrong 2FA codes, per session', () => {
  it('five from one session lock out that session only; the owner in another session still steps up', async () => {
    for (const code of wrongCodes(5)) expect(await outcome(attacker(1), code)).toBe('totp_invalid');
    expect(await outcome(attacker(1), await ownersCode())).toBe('totp_rate_limited');
    expect(await outcome(owner, await ownersCode())).toBe('accepted');
  });

  it('says which limit was reached and when to try again', async () => {
    for (const code of wrongCodes(5)) await outcome(attacker(1), code);
    const error = await stepUp
      .verify({ ...attacker(1), action: 'x', code: '123456' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'totp_rate_limited', statusCode: 429 });
    expect((error as AuthError).message).toContain('in this session');
    expect((error as AuthError).retryAfterSeconds).toBeGreaterThan(0);
    expect((error as AuthError).retryAfterSeconds).toBeLessThanOrEqual(300);
    // Five minutes on, they no longer count.
    await database.pool.query(sql.unsafe`UPDATE totp_failures SET at = at - interval '301 seconds'`);
    expect(await outcome(attacker(1), '000001')).toBe('totp_invalid');
  });

  it("the owner's right code forgets the owner's own typos, not the attacker's guesses", async () => {
    for (const code of wrongCodes(4)) await outcome(owner, code);
    for (const code of wrongCodes(4)) await outcome(attacker(1), code);
    expect(await outcome(owner, await ownersCode())).toBe('accepted');
    now += 30;
    for (const code of wrongCodes(4)) expect(await outcome(owner, code)).toBe('totp_invalid');
    expect(await outcome(attacker(1), '000001')).toBe('totp_invalid');
    expect(await outcome(attacker(1), '000002')).toBe('totp_rate_limited');
  });
});

describe('wrong 2FA codes, per address and per Telegram chat', () => {
  it('ten from one address (over fresh sessions) lock out that address; another address still passes', async () => {
    const codes = wrongCodes(10);
    for (const [i, code] of codes.entries())
      expect(await outcome(attacker(i % 3), code)).toBe('totp_invalid');
    expect(await outcome(attacker(99), await ownersCode())).toBe('totp_rate_limited');
    expect(await outcome(owner, await ownersCode())).toBe('accepted');
  });

  it('an IPv6 attacker gets one count for its whole /64', async () => {
    for (const [i, code] of wrongCodes(10).entries()) {
      await outcome(attacker(i, `2001:db8:5:6::${(i + 1).toString(16)}`), code);
    }
    expect(await outcome(attacker(50, '2001:db8:5:6:ffff::1'), '000001')).toBe('totp_rate_limited');
  });

  it('counts a Telegram chat as the gateway names it (actor telegram:<chat>, source <chat>)', async () => {
    const chat = (id: string) => ({ actor: `telegram:${id}`, source: id });
    for (const code of wrongCodes(5)) expect(await outcome(chat('4242'), code)).toBe('totp_invalid');
    const error = await stepUp
      .verify({ ...chat('4242'), action: 'workflow.run', code: await ownersCode() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'totp_rate_limited' });
    expect((error as Error).message).toContain('from this chat');
    // The chat id is not an address: the owner's admin session is not affected.
    expect(await outcome(owner, await ownersCode())).toBe('accepted');
  });
});

describe('wrong 2FA codes, all together', () => {
  it("thirty from many sessions and addresses stop every code, the owner's too, and that is announced once", async () => {
    const codes = wrongCodes(30);
    for (const [i, code] of codes.entries()) {
      expect(await outcome(attacker(i, `198.51.100.${Math.floor(i / 5)}`), code)).toBe('totp_invalid');
    }
    const error = await stepUp
      .verify({ ...owner, action: 'settings.update', code: await ownersCode() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'totp_rate_limited' });
    expect((error as Error).message).toContain('from everywhere together');
    expect(heard.map((announcement) => announcement.kind)).toEqual(['step_up_budget_exhausted']);
    expect(heard[0]!.text).toContain('30 wrong 2FA codes in 5 minutes');
    const entries = await audit.recent({ action: 'totp.step_up_budget' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ outcome: 'denied', reason: 'budget_exhausted' });
  });

  it("the owner's right code in between does not reset the global count", async () => {
    for (const [i, code] of wrongCodes(29).entries()) await outcome(attacker(i, `198.51.100.${i}`), code);
    expect(await outcome(owner, await ownersCode())).toBe('accepted');
    expect(await outcome(attacker(40, '198.51.100.200'), '000001')).toBe('totp_invalid');
    now += 30;
    expect(await outcome(owner, await ownersCode())).toBe('totp_rate_limited');
  });
});
