import { createHash } from 'node:crypto';
import { generate } from 'otplib';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import { descendants, listeningSockets } from '@talon/sidecar-automator/testing/processes.ts';
import { startTestSite, type TestSite } from '@talon/sidecar-automator/testing/test-site.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import {
  BROWSER_TEST_PASSWORD,
  startTalonUnderTest,
  type TalonUnderTest,
} from './support/talon-under-test.ts';

// Issue 15's "Done when", as a new user would try it: the sidecar enabled, "log in and download the
// report" recorded on a local test site by acting in the live view inside the admin (noVNC, through
// the core's proxy), the recipe reviewed and approved, replayed from a workflow and from Telegram
// (the fake Bot API), the very file got back.
const OWNER_CHAT = 424_242_916;
const BOT_TOKEN = '7000016:AAF-automation-browser_token-for-the-fake';

function authenticatorCode(secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) });
}

describe('the Automations screen in a real browser', { timeout: 120_000 }, () => {
  let site: TestSite;
  let telegram: FakeBotApi;
  let server: TalonUnderTest;
  let browser: TestBrowser;
  let problems: PageProblems;
  let page: Page;
  let totpSecret = '';
  let recipePath = '';

  beforeAll(async () => {
    site = await startTestSite();
    telegram = await FakeBotApi.start({ token: BOT_TOKEN, username: 'automation_browser_bot' });
    server = await startTalonUnderTest({
      env: {
        WEB_AUTOMATOR_ENABLED: 'true',
        WEB_AUTOMATOR_HOST: 'http://127.0.0.1:0',
        TELEGRAM_BOT_TOKEN: BOT_TOKEN,
        TELEGRAM_CHAT_ID: String(OWNER_CHAT),
        TELEGRAM_API_ROOT: telegram.apiRoot,
      },
    });
    browser = await launchChromium();
    problems = await PageProblems.watch(browser.context);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Password').fill(BROWSER_TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await Promise.all([site?.close(), telegram?.close()]);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await saveScreenshot(page, `failed-${task.name.slice(0, 40)}`);
    expect(problems.takeUnexpected()).toEqual([]);
  });

  async function code(): Promise<string> {
    await forgetUsedTotpCodes(server.talon.database.pool);
    return authenticatorCode(totpSecret);
  }

  /** A fingerprint of what the live view's canvas shows now. */
  async function canvasPrint(view: Locator): Promise<string> {
    const data = await view
      .locator('canvas')
      .evaluate((canvas) => (canvas as { toDataURL(): string }).toDataURL());
    return createHash('sha256').update(data).digest('hex');
  }

  /** A key through noVNC: Playwright presses it in the admin page, noVNC sends it to the recording's display. */
  async function keys(...presses: string[]): Promise<void> {
    for (const key of presses) {
      await page.keyboard.press(key);
      await page.waitForTimeout(150);
    }
  }

  async function type(text: string): Promise<void> {
    await page.keyboard.type(text, { delay: 40 });
    await page.waitForTimeout(150);
  }

  /** Clicks the recording's screen at (x, y) of its 1280×800 display, where the page has nothing. */
  async function clickScreen(view: Locator, x: number, y: number): Promise<void> {
    const box = await view.locator('canvas').boundingBox();
    if (!box) throw new Error('the live view has no canvas');
    await page.mouse.click(box.x + (box.width * x) / 1280, box.y + (box.height * y) / 800);
    await page.waitForTimeout(300);
  }

  it('enrols 2FA first (approving a recipe needs a code)', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Set up 2FA' }).click();
    const secretText = page.getByTestId('totp-secret');
    await secretText.waitFor();
    totpSecret = ((await secretText.textContent()) ?? '').replaceAll(' ', '');
    await page.getByLabel('Code from the app').fill(await authenticatorCode(totpSecret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Two-factor authentication is on.').waitFor();
  });

  it('records logging in and downloading the report by acting in the live view inside the admin', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Automations' }).click();
    await expect(page.getByTestId('sidecar-status').textContent()).resolves.toContain('running');
    await page.getByLabel('Start page').fill(`${site.url}/login`);
    await page.getByLabel('Recipe name (optional)').fill('monthly-report');
    await page.getByRole('button', { name: 'Start recording' }).click();
    const view = page.getByTestId('live-view');
    await page.getByTestId('live-view-status').getByText('live:').waitFor({ timeout: 20_000 });
    await view.locator('canvas').waitFor();
    await page.waitForTimeout(500);
    const before = await canvasPrint(view);
    await saveScreenshot(page, '60-automations-live-view');

    // Below the login form there is only the page: a click there, then the keyboard, as a person would.
    await clickScreen(view, 900, 700);
    await keys('Tab');
    await type(site.user);
    // The recording browser's screen changed: the noVNC canvas shows what was typed.
    await expect.poll(() => canvasPrint(view), { timeout: 5_000 }).not.toBe(before);
    await keys('Tab');
    await type(site.password);
    await keys('Tab');
    await type(site.code);
    await keys('Tab', 'ArrowDown', 'Tab', 'Space', 'Tab', 'Enter');
    await page.waitForTimeout(1_500);
    // On the reports page: the export button inside the iframe comes first in the tab order.
    await clickScreen(view, 900, 760);
    await keys('Tab', 'Enter');
    await page.waitForTimeout(1_500);
    await saveScreenshot(page, '61-automations-recorded');

    await page.getByRole('button', { name: 'Stop and save' }).click();
    await page.waitForURL(/\/automations\/recipes\/[0-9a-f-]{36}$/);
    recipePath = new URL(page.url()).pathname;
    const steps = page.getByTestId('recipe-steps');
    await steps.waitFor();
    const text = (await steps.textContent()) ?? '';
    expect(text).toContain(`“${site.user}”`);
    expect(text).toContain('secret password');
    expect(text).toContain('secret one_time_code');
    expect(text).toContain('download');
    expect(await page.content()).not.toContain(site.password);
    await expect(page.getByTestId('recipe-status').textContent()).resolves.toContain('draft');
    await saveScreenshot(page, '62-automations-draft');
  });

  it('started nothing that listens beyond loopback', () => {
    const sidecar = server.talon.automation.status().sidecar.pid!;
    const sockets = listeningSockets([sidecar, ...descendants(sidecar)]);
    expect(sockets.filter((socket) => !socket.loopback)).toEqual([]);
  });

  it('sets the secrets and approves the recipe with codes', async () => {
    for (const [handle, value] of [['password', site.password], ['one_time_code', site.code]] as const) {
      const row = page.getByTestId(`setting-automation.secret.monthly_report.${handle}`);
      await row.getByRole('button', { name: 'Edit' }).click();
      await row.getByLabel('New value').fill(value);
      await row.getByLabel('2FA code').fill(await code());
      await row.getByRole('button', { name: 'Save' }).click();
      await row.getByText('Saved.').waitFor();
    }
    await page.getByRole('button', { name: 'Approve for workflows' }).locator('..').getByLabel('2FA code').fill(await code());
    await page.getByRole('button', { name: 'Approve for workflows' }).click();
    await expect.poll(() => page.getByTestId('recipe-status').textContent()).toContain('ready');
  }); // prettier-ignore

  it('replays it from a workflow and gets the very file', async () => {
    const csrf = ((await (await page.request.get(`${server.url}/api/auth/session`)).json()) as { csrfToken: string }).csrfToken;
    const headers = { 'x-csrf-token': csrf };
    const workflow = (await (
      await page.request.post(`${server.url}/api/workflows`, {
        headers,
        data: { name: 'Monthly report', steps: [{ id: 'report', name: 'Report', skill: 'web_automation', config: { recipe: 'monthly-report' } }] },
      })
    ).json()) as { id: string };
    const run = (await (
      await page.request.post(`${server.url}/api/workflows/${workflow.id}/runs?wait=true`, { headers, data: {} })
    ).json()) as { status: string; output: string };
    expect(run.status).toBe('completed');
    expect(run.output).toContain('1 file downloaded: monthly_report.csv (65536 bytes)');

    await page.goto(`${server.url}${recipePath}`);
    const link = page.getByTestId('recipe-runs').getByRole('link', { name: 'monthly_report.csv' });
    const file = await page.request.get(`${server.url}${await link.getAttribute('href')}`);
    expect(file.status()).toBe(200);
    expect(Buffer.from(await file.body()).equals(site.report)).toBe(true);
    await saveScreenshot(page, '63-automations-replayed');
  }); // prettier-ignore

  it('replays it from Telegram after a code, sends the file itself and says where it is kept', async () => {
    const since = telegram.sent.length;
    telegram.message({ chatId: OWNER_CHAT, text: '/replay monthly-report' });
    await telegram.waitForSent((sent) => sent.text.includes('replay “monthly-report”'), { since });
    telegram.message({ chatId: OWNER_CHAT, text: await code() });
    const report = await telegram.waitForSent((sent) => sent.text.startsWith('Replayed monthly-report'), { since, timeoutMs: 60_000 });
    expect(report.text).toContain('1 file downloaded: monthly_report.csv (65536 bytes)');
    expect(report.text).toContain(`/automations/recipes/`);
    expect(report.text).toContain('Sent above as 1 document: monthly_report.csv');
    const [document] = telegram.documentsTo(OWNER_CHAT);
    expect(document?.document.file_name).toBe('monthly_report.csv');
    expect(document?.bytes.equals(site.report)).toBe(true);
    const [latest] = await server.talon.automation.runs.forRecipe(recipePath.split('/').at(-1)!);
    expect(latest).toMatchObject({ trigger: 'telegram', status: 'succeeded', files: [{ name: 'monthly_report.csv', sha256: site.reportSha256 }] });
  }); // prettier-ignore
});
