import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { z } from 'zod';
import {
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  nextStepTotpCode,
  totpCode,
  type AdminSession,
} from '../testing/admin-session.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../testing/test-app.ts';

let talon: TestApp;
let session: AdminSession;

beforeAll(async () => {
  talon = await createTestApp();
  session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
});
afterAll(async () => {
  await talon?.close();
});

function post(url: string, payload?: object, headers: Record<string, string> = session.headers) {
  return talon.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
}

async function storedValue(key: string): Promise<string> {
  const row = await talon.database.pool.one(
    sql.type(z.object({ value: z.string() }))`SELECT value FROM settings WHERE key = ${key}`,
  );
  return row.value;
}

describe('2FA API', () => {
  it('enrols: a pending secret (encrypted at rest), its otpauth URI and an SVG QR code', async () => {
    expect(
      (await talon.app.inject({ method: 'GET', url: '/api/auth/totp', headers: session.headers })).json(),
    ).toEqual({ enrolled: false, pending: false });
    const response = await post('/api/auth/totp/enrol');
    expect(response.statusCode).toBe(200);
    const body = response.json<{ secret: string; otpauthUri: string; qrSvg: string }>();
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(body.otpauthUri).toBe(`otpauth://totp/Talon:admin?secret=${body.secret}&issuer=Talon`);
    expect(body.qrSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(body.qrSvg).not.toMatch(/<script|on\w+=|data:/i);
    expect(await storedValue('auth.totp.pending_secret')).toMatch(/^enc:/);
    expect(
      (await talon.app.inject({ method: 'GET', url: '/api/auth/totp', headers: session.headers })).json(),
    ).toEqual({ enrolled: false, pending: true });
  });

  it('refuses a wrong first code and keeps the enrolment pending', async () => {
    const response = await post('/api/auth/totp/confirm', { code: '000000' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'totp_invalid' });
    expect(
      (await talon.app.inject({ method: 'GET', url: '/api/auth/totp', headers: session.headers })).json(),
    ).toEqual({ enrolled: false, pending: true });
    await forgetUsedTotpCodes(talon.database.pool);
  });

  it('confirms with a valid code, after which the code is spent', async () => {
    const { secret } = (await post('/api/auth/totp/enrol')).json<{ secret: string }>();
    const code = await totpCode(secret);
    const confirm = await post('/api/auth/totp/confirm', { code });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.json()).toEqual({ enrolled: true });
    expect(
      (await talon.app.inject({ method: 'GET', url: '/api/auth/totp', headers: session.headers })).json(),
    ).toEqual({ enrolled: true, pending: false });
    expect(await storedValue('auth.totp.secret')).toMatch(/^enc:/);
    const status = await talon.app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: session.headers,
    });
    expect(status.json()).toMatchObject({ totpEnrolled: true });
    // The code that confirmed the enrolment cannot disable 2FA: it was accepted once already.
    const replay = await post('/api/auth/totp/disable', { totpCode: code });
    expect(replay.statusCode).toBe(403);
    expect(replay.json()).toMatchObject({ error: 'totp_replayed' });
  });

  it('refuses a new enrolment while 2FA is on (a stolen session cannot swap the secret)', async () => {
    const response = await post('/api/auth/totp/enrol');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ error: 'totp_already_enrolled' });
  });

  it('never shows the secret through the settings API, and refuses to change 2FA settings there', async () => {
    const list = await talon.app.inject({ method: 'GET', url: '/api/settings', headers: session.headers });
    const secret = list
      .json<{ settings: { key: string; value: string }[] }>()
      .settings.find((setting) => setting.key === 'auth.totp.secret');
    expect(secret?.value).toMatch(/^[A-Z2-7]{4}\*{8}[A-Z2-7]{4}$/);
    for (const [key, value] of [
      ['auth.totp.enabled', false],
      ['auth.totp.secret', ''],
    ] as const) {
      const response = await talon.app.inject({
        method: 'PUT',
        url: `/api/settings/${key}`,
        headers: session.headers,
        payload: key === 'auth.totp.secret' ? { clear: true } : { value },
      });
      expect(response.statusCode, key).toBe(403);
      expect(response.json()).toMatchObject({ error: 'setting_managed_elsewhere' });
    }
  });

  it('disable needs a valid code: missing and wrong codes are refused', async () => {
    const missing = await post('/api/auth/totp/disable', {});
    expect(missing.statusCode).toBe(400);
    const wrong = await post('/api/auth/totp/disable', { totpCode: '123456' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ error: expect.stringMatching(/^totp_(invalid|replayed)$/) });
    expect(
      (await talon.app.inject({ method: 'GET', url: '/api/auth/totp', headers: session.headers })).json(),
    ).toEqual({ enrolled: true, pending: false });
  });

  it('disables with a fresh code, and forgets the secret', async () => {
    const secretSetting = await talon.settings.getString('auth.totp.secret');
    const response = await post('/api/auth/totp/disable', {
      totpCode: await nextStepTotpCode(secretSetting),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ enrolled: false });
    expect(await storedValue('auth.totp.secret')).toBe('');
    expect(talon.settings.getBoolean('auth.totp.enabled', true)).toBe(false);
    const actions = (await talon.audit.recent({ limit: 20 })).map(
      (entry) => `${entry.action}:${entry.outcome}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['totp.disable:succeeded', 'totp.confirm:succeeded', 'totp.enrol:succeeded']),
    );
  });

  it('can enrol again after disabling; app.stepUp then takes a fresh code (test helpers)', async () => {
    const secret = await enrolTotp(talon.app, session);
    const code = await nextStepTotpCode(secret);
    await expect(
      talon.app.stepUp.verify({ action: 'test.action', code, actor: 'admin' }),
    ).resolves.toBeUndefined();
    await expect(
      talon.app.stepUp.verify({ action: 'test.action', code, actor: 'admin' }),
    ).rejects.toMatchObject({
      code: 'totp_replayed',
    });
  });

  it('needs the session and the CSRF token', async () => {
    expect((await post('/api/auth/totp/enrol', undefined, {})).statusCode).toBe(401);
    expect((await post('/api/auth/totp/enrol', undefined, { cookie: session.cookie })).statusCode).toBe(403);
  });
});
