import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import { TALON_VERSION } from '@talon/core/version.ts';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems, type ExpectedProblem, type PageProblem } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import {
  BROWSER_TEST_PASSWORD,
  startTalonUnderTest,
  type TalonUnderTest,
} from './support/talon-under-test.ts';

/** Chromium logs every 4xx answer to fetch() as a console error; these are the ones a test provokes. */
const WRONG_PASSWORD_401: ExpectedProblem = { text: /status of 401/, url: /\/api\/auth\/login$/ };
const BLOCKED_LOGIN_429: ExpectedProblem = { text: /status of 429/, url: /\/api\/auth\/login$/ };
const SESSION_ENDED_401: ExpectedProblem = { text: /status of 401/, url: /\/api\/settings$/ };
const INVALID_SETTING_400: ExpectedProblem = { text: /status of 400/, url: /\/api\/settings\// };
const SETTING_CODE_REFUSED_403: ExpectedProblem = { text: /status of 403/, url: /\/api\/settings\// };

/** What an authenticator app shows for this secret, `stepsAhead` 30-second steps from now. */
function authenticatorCode(secret: string, stepsAhead = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });
}

/** Six digits the authenticator app does not show now (nor one step either side). */
async function wrongAuthenticatorCode(secret: string): Promise<string> {
  const shown = await Promise.all([-1, 0, 1].map((steps) => authenticatorCode(secret, steps)));
  return ['000000', '111111', '222222', '333333'].find((code) => !shown.includes(code))!;
}

describe('the admin in a real browser', { timeout: 60_000 }, () => {
  let server: TalonUnderTest;
  let browser: TestBrowser;
  let problems: PageProblems;
  let page: Page;

  beforeAll(async () => {
    server = await startTalonUnderTest();
    browser = await launchChromium();
    problems = await PageProblems.watch(browser.context);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await saveScreenshot(page, `failed-${task.name.slice(0, 40)}`);
    // Each test reports its own expected console errors; anything left over is a problem.
    expect(problems.takeUnexpected()).toEqual([]);
  });

  async function logIn(password = BROWSER_TEST_PASSWORD): Promise<void> {
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  /** Submits the login form and waits until the screen has shown the answer; returns its status. */
  async function attemptLogin(password: string): Promise<number> {
    const answer = page.waitForResponse((response) => response.url().endsWith('/api/auth/login'));
    await logIn(password);
    const status = (await answer).status();
    await page.locator('form[aria-busy="false"]').waitFor();
    return status;
  }

  async function resetBrowser(): Promise<void> {
    await browser.context.clearCookies();
    await page.goto(`${server.url}/login`);
  }

  it('sends a visitor without a session to the login page, under a strict CSP', async () => {
    const response = await page.goto(`${server.url}/settings`);
    expect(new URL(page.url()).pathname).toBe('/login');
    const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await saveScreenshot(page, '01-login');
    expect(problems.takeUnexpected()).toEqual([]);
  });

  it('would notice a CSP violation: the "no violations" checks can fail', async () => {
    // A data: image is refused by img-src 'self'; the watcher must report it, in both ways.
    await page.evaluate(
      `document.body.insertAdjacentHTML('beforeend', '<img alt="" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')`,
    );
    const seen: PageProblem[] = [];
    await expect
      .poll(() => {
        seen.push(...problems.takeUnexpected());
        return seen.map((problem) => problem.kind);
      })
      .toEqual(expect.arrayContaining(['csp-violation', 'console-error']));
    expect(seen.find((problem) => problem.kind === 'csp-violation')?.text).toContain('img-src blocked data');
  });

  it('shows the API error for a wrong password and stays on the login page', async () => {
    await resetBrowser();
    await logIn('not the password');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Invalid password');
    expect(new URL(page.url()).pathname).toBe('/login');
    await saveScreenshot(page, '02-login-wrong-password');
    expect(problems.takeUnexpected([WRONG_PASSWORD_401])).toEqual([]);
  });

  it('logs in and shows the dashboard: version, uptime, database, the login in the audit log', async () => {
    await resetBrowser();
    await logIn();
    await page.waitForURL(`${server.url}/`);
    await expect(page.getByTestId('version').textContent()).resolves.toBe(TALON_VERSION);
    await expect(page.getByTestId('db').textContent()).resolves.toBe('connected');
    await expect(page.getByTestId('uptime').textContent()).resolves.toMatch(/^\d+ (d|h|min|s)\b/);
    const audit = page.getByTestId('audit');
    await audit.getByText('auth.login').first().waitFor();
    // The wrong password of the test before is there too, denied for the reason the server gave.
    await expect(audit.textContent()).resolves.toContain('invalid_password');
    // 2FA is off: the dashboard says so in red, and what the password alone can change meanwhile.
    const warning = page.getByTestId('two-factor-off');
    await expect(warning.getByRole('heading').textContent()).resolves.toBe('2FA is off');
    await expect(warning.textContent()).resolves.toContain('telegram.chat_id');
    await expect(warning.textContent()).resolves.toContain('workflow that requires 2FA');
    await saveScreenshot(page, '03-dashboard');
    await page.emulateMedia({ colorScheme: 'dark' });
    await saveScreenshot(page, '03-dashboard-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('edits settings: secrets masked, an empty submit keeps, "clear" empties, bad values explained', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
    const token = page.getByTestId('setting-github.token');
    await token.waitFor();
    await expect(token.getByTestId('value').textContent()).resolves.toBe('not set');

    await token.getByRole('button', { name: 'Edit' }).click();
    await token.getByLabel('New value').fill('ghp_abcdefghijklmnop1234');
    await token.getByRole('button', { name: 'Save' }).click();
    await token.getByText('Saved.').waitFor();
    await expect(token.getByTestId('value').textContent()).resolves.toBe('ghp_********1234');
    await expect(page.content()).resolves.not.toContain('ghp_abcdefghijklmnop1234');

    await token.getByRole('button', { name: 'Edit' }).click();
    await expect(token.getByLabel('New value').inputValue()).resolves.toBe('');
    await token.getByRole('button', { name: 'Save' }).click();
    await token.getByText('Kept the current value.').waitFor();
    await expect(token.getByTestId('value').textContent()).resolves.toBe('ghp_********1234');
    expect(server.talon.settings.get('github.token')).toBe('ghp_abcdefghijklmnop1234');

    const interval = page.getByTestId('setting-telegram.poll_interval');
    await interval.getByRole('button', { name: 'Edit' }).click();
    await interval.getByLabel('New value').fill('soon');
    await interval.getByRole('button', { name: 'Save' }).click();
    await expect(interval.getByRole('alert').textContent()).resolves.toContain('expects a whole number');
    await interval.getByLabel('New value').fill('2500');
    await interval.getByRole('button', { name: 'Save' }).click();
    await interval.getByText('Saved.').waitFor();
    await expect(interval.getByTestId('value').textContent()).resolves.toBe('2500');
    expect(server.talon.settings.get('telegram.poll_interval')).toBe(2500);

    await token.getByRole('button', { name: 'Edit' }).click();
    await saveScreenshot(page, '04-settings');
    await token.getByRole('button', { name: 'Clear' }).click();
    await token.getByRole('button', { name: 'Really clear it' }).click();
    await token.getByText('Cleared.').waitFor();
    await expect(token.getByTestId('value').textContent()).resolves.toBe('not set');
    expect(server.talon.settings.get('github.token')).toBe('');

    // A setting that widens what skills can reach needs a code, and there is none before 2FA is on.
    const plainHttp = page.getByTestId('setting-skills.http.allow_plain_http');
    await expect(plainHttp.getByTestId('requires-code').textContent()).resolves.toBe('2FA');
    await plainHttp.getByRole('button', { name: 'Edit' }).click();
    await plainHttp.getByLabel('New value').selectOption('true');
    await plainHttp.getByLabel('2FA code').fill('123456');
    await plainHttp.getByRole('button', { name: 'Save' }).click();
    await expect(plainHttp.getByRole('alert').textContent()).resolves.toContain('enrol 2FA first');
    await plainHttp.getByRole('button', { name: 'Cancel' }).click();
    await expect(plainHttp.getByTestId('value').textContent()).resolves.toBe('false');
    expect(server.talon.settings.get('skills.http.allow_plain_http')).toBe(false);
    expect(problems.takeUnexpected([INVALID_SETTING_400, SETTING_CODE_REFUSED_403])).toEqual([]);
  });

  it('lists the loaded skills and runs one with a JSON input', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Skills' }).click();
    const table = page.getByTestId('skills');
    await table.getByText('echo', { exact: true }).waitFor();
    await expect(table.textContent()).resolves.toContain('json_transform');

    await page.getByLabel('Skill').selectOption('echo');
    // Its manifest's scaffold, and the fields its configSchema knows.
    expect(JSON.parse(await page.getByLabel('Config (JSON object)').inputValue())).toEqual({ log: false });
    await expect(page.getByTestId('config-hint').textContent()).resolves.toContain('wrap, log');
    await page.getByLabel('Input (JSON)').fill('{ "hello": ');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not valid JSON');

    await page.getByLabel('Input (JSON)').fill('{ "hello": "talon", "n": [1, 2] }');
    await page.getByRole('button', { name: 'Run' }).click();
    const output = page.getByTestId('run-output');
    await output.waitFor();
    expect(JSON.parse((await output.textContent()) ?? '')).toEqual({ hello: 'talon', n: [1, 2] });
    await expect(page.getByTestId('run-result').textContent()).resolves.toContain('on branch');
    await saveScreenshot(page, '05-skills');
  });

  let totpSecret = '';

  it('enrols 2FA with a code computed from the shown secret', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
    await expect(page.getByTestId('totp-state').textContent()).resolves.toBe('off');
    await page.getByRole('button', { name: 'Set up 2FA' }).click();

    const qr = page.getByRole('img', { name: 'QR code of the TOTP secret' });
    await qr.locator('svg path').first().waitFor();
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replaceAll(' ', '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    totpSecret = secret;
    await saveScreenshot(page, '06-security-enrol');

    await page.getByLabel('Code from the app').fill(await authenticatorCode(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Two-factor authentication is on.').waitFor();
    await expect(page.getByTestId('totp-state').textContent()).resolves.toBe('on');
    await saveScreenshot(page, '07-security-enrolled');
  });

  it('with 2FA on, the dashboard stops warning and a Telegram setting needs a code', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
    await page.getByTestId('version').waitFor();
    await expect(page.getByTestId('two-factor-off').count()).resolves.toBe(0);

    await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
    const chatId = page.getByTestId('setting-telegram.chat_id');
    await expect(chatId.getByTestId('requires-code').textContent()).resolves.toBe('2FA');
    await chatId.getByRole('button', { name: 'Edit' }).click();
    await chatId.getByText('needs a code from your authenticator app').waitFor();
    await chatId.getByLabel('New value').fill('666');
    // The form will not send without a code; a wrong one is refused by the server.
    await chatId.getByLabel('2FA code').fill(await wrongAuthenticatorCode(totpSecret));
    await chatId.getByRole('button', { name: 'Save' }).click();
    await expect(chatId.getByRole('alert').textContent()).resolves.toContain('The 2FA code is wrong');
    await chatId.getByRole('button', { name: 'Cancel' }).click();
    expect(server.talon.settings.get('telegram.chat_id')).not.toBe('666');
    expect(problems.takeUnexpected([SETTING_CODE_REFUSED_403])).toEqual([]);
  });

  it('lets skills use plain http only with a code: a wrong one changes nothing, a right one does', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
    const plainHttp = page.getByTestId('setting-skills.http.allow_plain_http');
    await plainHttp.getByRole('button', { name: 'Edit' }).click();
    await plainHttp.getByText('needs a code from your authenticator app').waitFor();
    await plainHttp.getByLabel('New value').selectOption('true');
    await plainHttp.getByLabel('2FA code').fill(await wrongAuthenticatorCode(totpSecret));
    await plainHttp.getByRole('button', { name: 'Save' }).click();
    await expect(plainHttp.getByRole('alert').textContent()).resolves.toContain('The 2FA code is wrong');
    expect(server.talon.settings.get('skills.http.allow_plain_http')).toBe(false);

    // The enrolment spent this step's code; forget it, as waiting 30 s for the next one would.
    await forgetUsedTotpCodes(server.talon.database.pool);
    await plainHttp.getByLabel('2FA code').fill(await authenticatorCode(totpSecret));
    await saveScreenshot(page, '08-settings-code');
    await plainHttp.getByRole('button', { name: 'Save' }).click();
    await plainHttp.getByText('Saved.').waitFor();
    await expect(plainHttp.getByTestId('value').textContent()).resolves.toBe('true');
    expect(server.talon.settings.get('skills.http.allow_plain_http')).toBe(true);
    expect(problems.takeUnexpected([SETTING_CODE_REFUSED_403])).toEqual([]);
  });

  it('turns 2FA off with a code', async () => {
    const secret = totpSecret;
    await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
    await expect(page.getByTestId('totp-state').textContent()).resolves.toBe('on');
    // The next step's code: accepted within the ±1 step of drift, and not a replay of the one just used.
    await page.getByLabel('Code from the app').fill(await authenticatorCode(secret, 1));
    await page.getByRole('button', { name: 'Turn off 2FA' }).click();
    await page.getByText('Two-factor authentication is off.').waitFor();
    await expect(page.getByTestId('totp-state').textContent()).resolves.toBe('off');
  });

  it('sends a screen whose session ended to the login, and back to that screen after it', async () => {
    await browser.context.clearCookies(); // as if the session had expired on the server
    await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/settings');
    await logIn();
    await page.waitForURL(`${server.url}/settings`);
    await page.getByTestId('setting-github.token').waitFor();
    expect(problems.takeUnexpected([SESSION_ENDED_401])).toEqual([]);
  });

  it('logs out: the pages need a session again', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.url}/login`);
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByRole('button', { name: 'Log in' }).waitFor();
  });

  // Last: it blocks this browser's address for the rest of the run.
  it('tells a blocked address how long to wait, and keeps the form shut', async () => {
    await resetBrowser();
    // The default limit: 5 failures within 5 minutes block the address; the 6th try gets the wait.
    for (let attempt = 1; attempt <= 5; attempt++) {
      await expect(attemptLogin(`wrong password ${attempt}`)).resolves.toBe(401);
    }
    await expect(attemptLogin('wrong password 6')).resolves.toBe(429);
    await expect(page.getByTestId('rate-limited').textContent()).resolves.toMatch(/Try again in 1[45] min/);
    await expect(page.getByLabel('Password').isDisabled()).resolves.toBe(true);
    await saveScreenshot(page, '09-login-rate-limited');
    expect(problems.takeUnexpected([WRONG_PASSWORD_401, BLOCKED_LOGIN_429])).toEqual([]);
  });
});
