import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolTotp, loginAsAdmin, type AdminSession } from '../../testing/admin-session.ts';
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

interface TwoFactorPanel {
  enrolled: boolean;
  openWithoutIt?: { settings: { category: string; keys: string[] }[]; other: string[] };
}

async function twoFactorPanel(): Promise<TwoFactorPanel> {
  const response = await talon.app.inject({ method: 'GET', url: '/api/dashboard', headers: session.headers });
  expect(response.statusCode).toBe(200);
  return response.json<{ twoFactor: TwoFactorPanel }>().twoFactor;
}

describe('the dashboard, about 2FA', () => {
  it('while 2FA is off, lists what a password-only session can change that 2FA would protect', async () => {
    const panel = await twoFactorPanel();
    expect(panel.enrolled).toBe(false);
    const keys = panel.openWithoutIt!.settings.flatMap((group) => group.keys);
    expect(keys).toEqual(
      expect.arrayContaining([
        'telegram.chat_id',
        'telegram.bot_token',
        'github.token',
        'web_automator.host',
      ]),
    );
    // What is refused until enrolment anyway is not "open".
    expect(keys.some((key) => key.startsWith('auth.') || key.startsWith('skills.http.'))).toBe(false);
    expect(keys).not.toContain('workflows.history.max_age_days');
    expect(panel.openWithoutIt!.other.join(' ')).toContain('workflow that requires 2FA');
  });

  it('once 2FA is enrolled, says so and lists nothing', async () => {
    await enrolTotp(talon.app, session);
    expect(await twoFactorPanel()).toEqual({ enrolled: true });
  });
});
