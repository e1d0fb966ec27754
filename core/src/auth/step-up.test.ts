import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { AuditLog } from '../audit/audit-log.ts';
import { createLogger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { loadTestSettings } from '../testing/test-settings.ts';
import { AuthError } from './auth-errors.ts';
import { StepUp } from './step-up.ts';
import { TotpGuard } from './totp-guard.ts';
import { newTotpSecret, totpCodeAt } from './totp.ts';

let database: TestDatabase;
let settings: SettingsStore;
let audit: AuditLog;
let now = 1_800_000_015;
let stepUp: StepUp;
const secret = newTotpSecret();

beforeAll(async () => {
  database = await createTestDatabase();
  const logger = createLogger('silent');
  settings = await loadTestSettings(database.pool);
  audit = new AuditLog(database.pool, logger);
  stepUp = new StepUp({ settings, guard: new TotpGuard(database.pool), audit, nowSeconds: () => now });
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(async () => {
  now += 300; // a fresh step, and out of the last test's wrong-code window
  await database.pool.query(sql.unsafe`DELETE FROM totp_failures`);
  await settings.set('auth.totp.secret', secret);
  await settings.set('auth.totp.enabled', true);
});

const request = (code: string | undefined) => ({
  action: 'skill.load',
  code,
  actor: 'admin',
  source: '127.0.0.1',
});

async function refusal(code: string | undefined): Promise<AuthError> {
  const error = await stepUp.verify(request(code)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe('step-up', () => {
  it('accepts a valid code once and refuses it the second time', async () => {
    const code = await totpCodeAt(secret, now);
    await expect(stepUp.verify(request(code))).resolves.toBeUndefined();
    expect(await refusal(code)).toMatchObject({ code: 'totp_replayed', statusCode: 403 });
  });

  it('refuses an older step once a newer one was used, and accepts the next step', async () => {
    await stepUp.verify(request(await totpCodeAt(secret, now + 30)));
    expect(await refusal(await totpCodeAt(secret, now))).toMatchObject({ code: 'totp_replayed' });
    now += 60;
    await expect(stepUp.verify(request(await totpCodeAt(secret, now)))).resolves.toBeUndefined();
  });

  it('refuses when 2FA is not enrolled, with a message saying to enrol first (no bypass)', async () => {
    await settings.set('auth.totp.enabled', false);
    const error = await refusal(await totpCodeAt(secret, now));
    expect(error).toMatchObject({ code: 'totp_not_enrolled', statusCode: 403 });
    expect(error.message).toMatch(/enrol 2FA first/);
    await settings.set('auth.totp.enabled', true);
    await settings.set('auth.totp.secret', '');
    expect(await refusal(await totpCodeAt(secret, now))).toMatchObject({ code: 'totp_not_enrolled' });
  });

  it('refuses a missing code as totp_required and a wrong one as totp_invalid', async () => {
    expect(await refusal(undefined)).toMatchObject({ code: 'totp_required', statusCode: 403 });
    expect(await refusal('   ')).toMatchObject({ code: 'totp_required' });
    const right = await totpCodeAt(secret, now);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(await refusal(wrong)).toMatchObject({ code: 'totp_invalid', statusCode: 403 });
    expect(await refusal(await totpCodeAt(secret, now - 90))).toMatchObject({ code: 'totp_invalid' });
  });

  it('accepts only one of two parallel requests carrying the same code', async () => {
    const code = await totpCodeAt(secret, now);
    const results = await Promise.allSettled([stepUp.verify(request(code)), stepUp.verify(request(code))]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('audits every outcome with who, what, from where and why', async () => {
    await settings.set('auth.totp.enabled', false);
    await refusal('123456');
    await settings.set('auth.totp.enabled', true);
    await refusal(undefined);
    await refusal('000000');
    const code = await totpCodeAt(secret, now);
    await stepUp.verify({ ...request(code), target: 'weather' });
    await refusal(code);
    const entries = await audit.recent({ action: 'totp.step_up', limit: 5 });
    expect(entries.map((entry) => [entry.outcome, entry.reason])).toEqual([
      ['denied', 'totp_replayed'],
      ['allowed', null],
      ['denied', 'totp_invalid'],
      ['denied', 'totp_required'],
      ['denied', 'totp_not_enrolled'],
    ]);
    expect(entries[1]).toMatchObject({
      actor: 'admin',
      source: '127.0.0.1',
      target: 'weather',
      details: { for: 'skill.load' },
    });
  });
});
