import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { z } from 'zod';
import {
  anonymousSession,
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  totpCode,
  type AdminSession,
} from '../../testing/admin-session.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../../testing/test-app.ts';

let talon: TestApp;
let session: AdminSession;

beforeAll(async () => {
  talon = await createTestApp();
  session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
});
afterAll(async () => {
  await talon?.close();
});

const PLAIN_HTTP = 'skills.http.allow_plain_http';
const PRIVATE_ADDRESSES = 'skills.http.allow_private_addresses';

function put(key: string, payload: object) {
  return talon.app.inject({ method: 'PUT', url: `/api/settings/${key}`, headers: session.headers, payload });
}

/** The value as the database holds it: what survives a restart, not only the cache. */
async function stored(key: string): Promise<string> {
  const row = await talon.database.pool.one(
    sql.type(z.object({ value: z.string() }))`SELECT value FROM settings WHERE key = ${key}`,
  );
  return row.value;
}

/** Six digits that are none of the codes the host accepts right now (±1 step of drift). */
async function wrongCode(secret: string): Promise<string> {
  const accepted = await Promise.all([-1, 0, 1].map((steps) => totpCode(secret, steps)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!accepted.includes(candidate)) return candidate;
  }
}

async function requiresCodeByKey(): Promise<Record<string, boolean>> {
  const response = await talon.app.inject({ method: 'GET', url: '/api/settings', headers: session.headers });
  expect(response.statusCode).toBe(200);
  const settings = response.json<{ settings: { key: string; requiresCode: boolean }[] }>().settings;
  return Object.fromEntries(settings.map((setting) => [setting.key, setting.requiresCode]));
}

describe('GET /api/settings, before 2FA is enrolled', () => {
  it('marks the settings refused until 2FA is enrolled; the others can change without a code', async () => {
    const requiresCode = await requiresCodeByKey();
    expect(requiresCode).toMatchObject({
      'auth.rate_limit.max_attempts': true,
      'auth.trust_proxy_headers': true,
      'auth.session.lifetime_seconds': true,
      [PLAIN_HTTP]: true,
      [PRIVATE_ADDRESSES]: true,
      'telegram.chat_id': false,
      'telegram.bot_token': false,
      'server.public_url': false,
      'github.token': false,
      'skills.circuit_breaker.cooldown_seconds': false,
    });
    for (const [key, flag] of Object.entries(requiresCode)) {
      if (key.startsWith('auth.')) expect(flag, key).toBe(true);
    }
  });
});

describe('a setting that needs a code, before 2FA is enrolled', () => {
  it('is refused with "enrol 2FA first", whatever code is sent, and stays as it was', async () => {
    for (const payload of [{ value: true }, { value: true, totpCode: '123456' }]) {
      const response = await put(PLAIN_HTTP, payload);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({
        error: 'totp_not_enrolled',
        message: expect.stringContaining('enrol 2FA first'),
      });
    }
    expect(await stored(PLAIN_HTTP)).toBe('false');
    expect(talon.settings.getBoolean(PLAIN_HTTP, true)).toBe(false);
  });

  it('lets a setting that needs a code only once 2FA is enrolled change without one, and audits that', async () => {
    const response = await put('telegram.chat_id', { value: '4242' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ setting: { value: '4242', requiresCode: false } });
    const [stepUp] = await talon.audit.recent({ action: 'totp.step_up', limit: 1 });
    expect(stepUp).toMatchObject({
      target: 'telegram.chat_id',
      outcome: 'allowed',
      reason: 'totp_not_enrolled',
    });
  });

  it('does not stop a setting that needs no code', async () => {
    const response = await put('workflows.history.max_age_days', { value: 60 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ setting: { value: '60', requiresCode: false } });
  });
});

describe('a setting that needs a code, with 2FA enrolled', () => {
  let secret: string;

  beforeAll(async () => {
    secret = await enrolTotp(talon.app, session);
  });
  beforeEach(async () => {
    await forgetUsedTotpCodes(talon.database.pool);
  });

  it('marks every setting that lowers a protection or redirects Talon as needing a code now', async () => {
    expect(await requiresCodeByKey()).toMatchObject({
      'auth.trust_proxy_headers': true,
      [PLAIN_HTTP]: true,
      'telegram.chat_id': true,
      'telegram.bot_token': true,
      'server.public_url': true,
      'github.watched_branches': true,
      'web_automator.host': true,
      'llm.anthropic_api_key': true,
      'skills.circuit_breaker.cooldown_seconds': false,
      'workflows.history.max_age_days': false,
    });
  });

  it('refuses a password-only change of whom Talon obeys on Telegram (issue 10 probe)', async () => {
    const before = talon.settings.getString('telegram.chat_id');
    const response = await put('telegram.chat_id', { value: '666' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'totp_required' });
    expect(talon.settings.getString('telegram.chat_id')).toBe(before);
    const withCode = await put('telegram.chat_id', { value: '777', totpCode: await totpCode(secret) });
    expect(withCode.statusCode).toBe(200);
    expect(await stored('telegram.chat_id')).toBe('777');
  });

  it('refuses a change without a code, or with a wrong one, and changes nothing', async () => {
    const missing = await put(PRIVATE_ADDRESSES, { value: true });
    expect(missing.statusCode).toBe(403);
    expect(missing.json()).toMatchObject({
      error: 'totp_required',
      message: expect.stringContaining('needs a current 2FA code'),
    });
    const empty = await put(PRIVATE_ADDRESSES, { value: true, totpCode: '  ' });
    expect(empty.json()).toMatchObject({ error: 'totp_required' });
    const wrong = await put(PRIVATE_ADDRESSES, { value: true, totpCode: await wrongCode(secret) });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({
      error: 'totp_invalid',
      message: expect.stringContaining('The 2FA code is wrong'),
    });
    expect(await stored(PRIVATE_ADDRESSES)).toBe('false');
    expect(talon.settings.getBoolean(PRIVATE_ADDRESSES, true)).toBe(false);
    const [denied] = await talon.audit.recent({ action: 'totp.step_up', limit: 1 });
    expect(denied).toMatchObject({ target: PRIVATE_ADDRESSES, outcome: 'denied', reason: 'totp_invalid' });
  });

  it('changes it with a valid code and audits the change; the same code again is a replay', async () => {
    const code = await totpCode(secret);
    const response = await put(PLAIN_HTTP, { value: true, totpCode: code });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      setting: { key: PLAIN_HTTP, value: 'true', requiresCode: true },
    });
    expect(await stored(PLAIN_HTTP)).toBe('true');
    expect(talon.settings.getBoolean(PLAIN_HTTP, false)).toBe(true);
    const [change] = await talon.audit.recent({ action: 'settings.update', limit: 1 });
    expect(change).toMatchObject({ actor: 'admin', target: PLAIN_HTTP, outcome: 'succeeded' });
    const [stepUp] = await talon.audit.recent({ action: 'totp.step_up', limit: 1 });
    expect(stepUp).toMatchObject({
      target: PLAIN_HTTP,
      outcome: 'allowed',
      details: { for: 'settings.update' },
    });

    const replay = await put(PLAIN_HTTP, { value: false, totpCode: code });
    expect(replay.statusCode).toBe(403);
    expect(replay.json()).toMatchObject({
      error: 'totp_replayed',
      message: expect.stringContaining('already used'),
    });
    expect(await stored(PLAIN_HTTP)).toBe('true');
  });

  it('says what is wrong with a value before asking for the code, so a typo does not spend it', async () => {
    const code = await totpCode(secret);
    const wrongType = await put('auth.rate_limit.max_attempts', { value: 'five', totpCode: code });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json()).toMatchObject({ error: 'invalid_setting_value' });
    const fixed = await put('auth.rate_limit.max_attempts', { value: 7, totpCode: code });
    expect(fixed.statusCode).toBe(200);
    expect(await stored('auth.rate_limit.max_attempts')).toBe('7');
  });

  it('a lowered login limit takes effect without a restart', async () => {
    const lowered = await put('auth.rate_limit.max_attempts', { value: 1, totpCode: await totpCode(secret) });
    expect(lowered.statusCode).toBe(200);
    const anonymous = await anonymousSession(talon.app);
    const login = (password: string) =>
      talon.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: anonymous.headers,
        payload: { password },
        remoteAddress: '192.0.2.210',
      });
    expect((await login('wrong')).statusCode).toBe(401);
    expect((await login(TEST_ADMIN_PASSWORD)).statusCode).toBe(429);
  });

  it('after too many wrong codes refuses even a right one with 429, and changes nothing', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const wrong = await put('auth.trust_proxy_headers', { value: true, totpCode: await wrongCode(secret) });
      expect(wrong.statusCode).toBe(403);
    }
    const blocked = await put('auth.trust_proxy_headers', { value: true, totpCode: await totpCode(secret) });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({
      error: 'totp_rate_limited',
      message: expect.stringContaining('Too many wrong 2FA codes'),
    });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await stored('auth.trust_proxy_headers')).toBe('false');
  });

  it("wrong codes from a stolen session lock out that session, not the owner's", async () => {
    const stolen = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD, { remoteAddress: '198.51.100.9' });
    const putAs = (who: AdminSession, totpCode: string) =>
      talon.app.inject({
        method: 'PUT',
        url: '/api/settings/auth.trust_proxy_headers',
        headers: who.headers,
        payload: { value: true, totpCode },
      });
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await putAs(stolen, await wrongCode(secret))).statusCode).toBe(403);
    }
    const locked = await putAs(stolen, await totpCode(secret));
    expect(locked.statusCode).toBe(429);
    expect(locked.json<{ message: string }>().message).toContain('in this session');
    const owners = await putAs(session, await totpCode(secret));
    expect(owners.statusCode).toBe(200);
    expect(await stored('auth.trust_proxy_headers')).toBe('true');
    await talon.settings.set('auth.trust_proxy_headers', false);
  });

  it('still refuses the 2FA settings themselves, even with a valid code', async () => {
    const response = await put('auth.totp.enabled', { value: false, totpCode: await totpCode(secret) });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'setting_managed_elsewhere' });
    expect(talon.settings.getBoolean('auth.totp.enabled', false)).toBe(true);
  });

  it('changes a setting that needs no code without one, and ignores a code sent anyway', async () => {
    const without = await put('skills.circuit_breaker.cooldown_seconds', { value: 120 });
    expect(without.statusCode).toBe(200);
    expect(await stored('skills.circuit_breaker.cooldown_seconds')).toBe('120');
    const withWrongCode = await put('workflows.history.max_age_days', {
      value: 14,
      totpCode: await wrongCode(secret),
    });
    expect(withWrongCode.statusCode).toBe(200);
    expect(await stored('workflows.history.max_age_days')).toBe('14');
  });
});
