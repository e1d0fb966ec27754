import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  totpCode,
  type AdminSession,
} from '@talon/core/testing/admin-session.ts';
import { signStandardWebhook } from '@talon/core/webhooks/standard-signature.ts';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import {
  BROWSER_TEST_PASSWORD,
  startTalonUnderTest,
  type TalonUnderTest,
} from './support/talon-under-test.ts';

// The owner edits the shell whitelist and runs a command with a code on the Shell screen, and adds a
// webhook trigger to a workflow, whose secret is shown once.
let server: TalonUnderTest;
let browser: TestBrowser;
let problems: PageProblems;
let page: Page;
let session: AdminSession;
let secret: string;

async function code(): Promise<string> {
  await forgetUsedTotpCodes(server.talon.database.pool);
  return totpCode(secret);
}

beforeAll(async () => {
  server = await startTalonUnderTest();
  session = await loginAsAdmin(server.talon.app, BROWSER_TEST_PASSWORD);
  secret = await enrolTotp(server.talon.app, session);
  const enabled = await server.talon.app.inject({
    method: 'PUT',
    url: '/api/settings/shell.enabled',
    headers: session.headers,
    payload: { value: true, totpCode: await code() },
  });
  expect(enabled.statusCode, enabled.body).toBe(200);
  browser = await launchChromium();
  problems = await PageProblems.watch(browser.context);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Password').fill(BROWSER_TEST_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${server.url}/`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The refusals these tests cause on purpose: a bad whitelist, a missing code, a command not allowed. */
const REFUSED = [
  { text: /status of 400/, url: /\/api\/shell\/whitelist$/ },
  { text: /status of 403/, url: /\/api\/shell\/run$/ },
  { text: /status of 403/, url: /\/api\/workflows\/[0-9a-f-]+\/webhook$/ },
];

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await saveScreenshot(page, `failed-${task.name.slice(0, 40)}`);
  expect(problems.takeUnexpected(REFUSED)).toEqual([]);
});

it(
  'edits the whitelist line by line with a code, and runs a command with a code',
  { timeout: 60_000 },
  async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Shell' }).click();
    await expect(page.getByTestId('shell-status').textContent()).resolves.toMatch(/The shell is on/);
    const whitelist = page.getByLabel('Allowed commands');
    await expect(whitelist.inputValue()).resolves.toContain('df -h');

    await whitelist.fill('uptime\ngit log -n <int 50-1>\necho <enum hello|bye>');
    await page
      .getByLabel('2FA code')
      .first()
      .fill(await code());
    await page.getByRole('button', { name: 'Save whitelist' }).click();
    await expect(page.getByRole('alert').first().innerText()).resolves.toBe(
      'Line 2: <int 50-1>: 50 is more than 1',
    );

    await whitelist.fill('uptime\necho <enum hello|bye>');
    await page
      .getByLabel('2FA code')
      .first()
      .fill(await code());
    await page.getByRole('button', { name: 'Save whitelist' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('Saved: 2 entries.');

    await page.getByLabel('Command', { exact: true }).fill('echo hello');
    await page
      .getByLabel('2FA code')
      .nth(1)
      .fill(await code());
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByTestId('shell-output').textContent()).resolves.toMatch(
      /^\$ echo hello\nExit: 0 \| Time: \d+ms\n\nhello\n$/,
    );

    await page.getByLabel('Command', { exact: true }).fill('cat /proc /etc/shadow');
    await page
      .getByLabel('2FA code')
      .nth(1)
      .fill(await code());
    await page.getByRole('button', { name: 'Run' }).click();
    // No line of the whitelist names cat now.
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'Refused: cat is not on the shell whitelist',
    );
  },
);

it(
  'adds a webhook trigger to a workflow with a code and shows its secret once',
  { timeout: 60_000 },
  async () => {
    const created = await server.talon.app.inject({
      method: 'POST',
      url: '/api/workflows',
      headers: session.headers,
      payload: { name: 'Inbound', steps: [{ id: 'a', name: 'A', skill: 'echo' }] },
    });
    const workflowId = created.json<{ id: string }>().id;
    await page.goto(`${server.url}/workflows/${workflowId}`);
    const panel = page.getByTestId('webhook-trigger');
    await panel.getByText('This workflow has no webhook trigger.').waitFor();
    await panel.getByRole('button', { name: 'Add webhook trigger' }).click();
    await expect(panel.getByRole('alert').textContent()).resolves.toMatch(/code/i);
    await panel.getByLabel(/2FA code/).fill(await code());
    await panel.getByRole('button', { name: 'Add webhook trigger' }).click();
    const shown = (await panel.getByTestId('webhook-secret').locator('code').textContent()) ?? '';
    expect(shown).toMatch(/^whsec_/);
    await expect(panel.getByTestId('webhook-address').textContent()).resolves.toBe(
      `/webhooks/workflows/${workflowId}`,
    );

    // The secret works, and is never shown again.
    const body = '{"hello":"world"}';
    const timestamp = Math.floor(Date.now() / 1000);
    const delivered = await fetch(`${server.url}/webhooks/workflows/${workflowId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_browser',
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook(shown, 'msg_browser', timestamp, body),
      },
      body,
    });
    expect(delivered.status).toBe(202);
    await page.reload();
    await panel.getByTestId('webhook-address').waitFor();
    await expect(panel.locator('.badge').textContent()).resolves.toBe('on');
    expect(await panel.getByTestId('webhook-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(shown);
  },
);
