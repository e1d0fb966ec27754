import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  nextStepTotpCode,
} from '@talon/core/testing/admin-session.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import {
  BROWSER_TEST_PASSWORD,
  startTalonUnderTest,
  type TalonUnderTest,
} from './support/talon-under-test.ts';

// A new owner sets Telegram up: Talon starts with a bot token but no chat id (so it obeys nobody),
// the owner writes to the bot, finds their chat id on the Telegram screen, saves it with a 2FA code.
const TOKEN = '7000002:AAH-browser-test-token';
const OWNER = 31_337_001;
let server: TalonUnderTest;
let fake: FakeBotApi;
let browser: TestBrowser;
let problems: PageProblems;
let page: Page;
let secret: string;

beforeAll(async () => {
  fake = await FakeBotApi.start({ token: TOKEN, username: 'new_owners_bot' });
  server = await startTalonUnderTest({ env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot } });
  secret = await enrolTotp(server.talon.app, await loginAsAdmin(server.talon.app, BROWSER_TEST_PASSWORD));
  browser = await launchChromium();
  problems = await PageProblems.watch(browser.context);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.close();
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await saveScreenshot(page, `failed-${task.name.slice(0, 40)}`);
  expect(problems.takeUnexpected()).toEqual([]);
});

it(
  'shows the status and the refused chat ids; the owner picks theirs, saves it with a code and gets a test message',
  { timeout: 60_000 },
  async () => {
    // Nobody is obeyed yet: the owner's /ping gets no answer, but their id is recorded.
    fake.message({ chatId: OWNER, text: '/ping' });
    await expect.poll(() => fake.pendingUpdates.length, { timeout: 15_000 }).toBe(0);

    await page.goto(`${server.url}/login`);
    await page.getByLabel('Password').fill(BROWSER_TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/`);
    await page.getByRole('navigation').getByRole('link', { name: 'Telegram' }).click();

    await expect(page.getByTestId('telegram-state').textContent()).resolves.toBe(
      'connected as @new_owners_bot',
    );
    const refused = page.getByTestId('telegram-refused');
    await refused.getByText(String(OWNER)).waitFor();
    await saveScreenshot(page, 'telegram-01-find-chat-id');
    expect(fake.sentTo(OWNER)).toEqual([]);

    await refused.getByRole('button', { name: 'Use this id' }).click();
    await expect(page.getByLabel("Owner's chat id").inputValue()).resolves.toBe(String(OWNER));
    await page
      .getByLabel('Code from your authenticator app')
      .first()
      .fill(await nextStepTotpCode(secret));
    await page.getByRole('button', { name: 'Save connection' }).click();
    await page.getByText('Saved: the gateway restarted').waitFor();
    await page.getByText(`${OWNER}`, { exact: true }).first().waitFor();

    await expect
      .poll(() => page.getByTestId('telegram-state').textContent(), { timeout: 15_000 })
      .toBe('connected as @new_owners_bot');
    await page.getByRole('button', { name: 'Send test message' }).click();
    await page.getByText('Test message sent').waitFor();
    expect(fake.sentTo(OWNER).map((message) => message.text)).toEqual([
      expect.stringMatching(/^Test message from Talon/),
    ]);

    // Now the owner is obeyed.
    const before = fake.sent.length;
    fake.message({ chatId: OWNER, text: '/ping' });
    await fake.waitForSent((message) => message.text.startsWith('pong'), { since: before });
    await saveScreenshot(page, 'telegram-02-connected');
  },
);

it('picks the workflow that answers free text (the built-in chat) from a list, with a code', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Telegram' }).click();
  const card = page.getByTestId('telegram-free-text');
  const picker = card.getByLabel('Workflow for free text');
  await expect(picker.inputValue()).resolves.toBe('');
  await expect(picker.locator('option').allTextContents()).resolves.toContain('chat');

  await picker.selectOption('chat');
  // The connection above spent this step's code; a real owner would wait for the next one.
  await forgetUsedTotpCodes(server.talon.database.pool);
  await card.getByLabel('Code from your authenticator app').fill(await nextStepTotpCode(secret));
  await card.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved: messages that are not commands go to “chat”.').waitFor();
  expect(server.talon.settings.getString('telegram.free_text_workflow')).toBe('chat');
  await saveScreenshot(page, 'telegram-03-free-text-workflow');
});
