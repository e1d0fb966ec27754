import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import { startTalonUnderTest, type TalonUnderTest } from './support/talon-under-test.ts';

describe('the admin when ADMIN_PASSWORD is not set', { timeout: 60_000 }, () => {
  let server: TalonUnderTest;
  let browser: TestBrowser;
  let problems: PageProblems;

  beforeAll(async () => {
    server = await startTalonUnderTest({ adminPassword: null });
    browser = await launchChromium();
    problems = await PageProblems.watch(browser.context);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('says so plainly on the login page and offers no way in', async () => {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    const notice = page.getByTestId('password-not-set');
    await expect(notice.textContent()).resolves.toContain('ADMIN_PASSWORD is not set');
    await expect(page.getByLabel('Password').isDisabled()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Log in' }).isDisabled()).resolves.toBe(true);
    await saveScreenshot(page, '00-login-admin-password-not-set');
    expect(problems.takeUnexpected()).toEqual([]);
  });
});
