import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems, type ExpectedProblem } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import {
  BROWSER_TEST_PASSWORD,
  startTalonUnderTest,
  type TalonUnderTest,
} from './support/talon-under-test.ts';

/** Chromium logs the 400 of the refused definition as a console error; the test provokes it. */
const REFUSED_DEFINITION_400: ExpectedProblem = { text: /status of 400/, url: /\/api\/workflows$/ };
const REFUSED_IMPORT_400: ExpectedProblem = { text: /status of 400/, url: /\/api\/workflows\/import$/ };
const WRONG_CODE_403: ExpectedProblem = { text: /status of 403/, url: /\/api\/workflows\/[^/]+\/runs$/ };
const CHANGE_WITHOUT_CODE_403: ExpectedProblem = {
  text: /status of 403/,
  url: /\/api\/workflows\/[0-9a-f-]{36}$/,
};

/** What an authenticator app shows for this secret, `stepsAhead` 30-second steps from now. */
function authenticatorCode(secret: string, stepsAhead = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });
}

const WORKFLOW_NAME = 'Tidy a feed item';
const RUN_INPUT = '{"title": "Hello", "link": "https://example.com/a", "tracking": "utm-123"}';

describe('the Workflows screens in a real browser', { timeout: 60_000 }, () => {
  let server: TalonUnderTest;
  let browser: TestBrowser;
  let problems: PageProblems;
  let page: Page;
  let workflowPath = '';
  let runPath = '';

  beforeAll(async () => {
    server = await startTalonUnderTest();
    browser = await launchChromium();
    problems = await PageProblems.watch(browser.context);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Password').fill(BROWSER_TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await saveScreenshot(page, `failed-${task.name.slice(0, 40)}`);
    expect(problems.takeUnexpected()).toEqual([]);
  });

  /** Adds a step running `skill` and types its config; returns the step's card. */
  async function addStep(skill: string, config: string) {
    const before = await page.locator('.step-editor').count();
    await page.getByLabel("New step's skill").selectOption(skill);
    await page.getByRole('button', { name: 'Add step' }).click();
    const card = page.getByTestId(`step-${before}`);
    await expect(card.getByLabel('Skill', { exact: true }).inputValue()).resolves.toBe(skill);
    await card.getByLabel('Config (JSON)').fill(config);
    return card;
  }

  it('lists only the built-in chat workflow at first, from the navigation', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Workflows' }).click();
    await page.getByTestId('workflow-chat').waitFor();
    expect(await page.locator('[data-testid^="workflow-"]').count()).toBe(1);
    await saveScreenshot(page, '10-workflows-empty');
  });

  it('builds a three-step workflow in the editor; a bad config shows the server error with its JSON path', async () => {
    await page.getByRole('link', { name: 'New workflow' }).click();
    await page.waitForURL(`${server.url}/workflows/new`);
    await page.getByLabel('Name', { exact: true }).fill(WORKFLOW_NAME);
    await page.getByLabel('Description').fill('Keeps the title and link of an item and wraps it.');
    await page.getByLabel('Run on a schedule').check();
    await expect(page.getByLabel('Cron (minute hour day month weekday)').inputValue()).resolves.toBe(
      '0 8 * * *',
    );

    const pick = await addStep('json_transform', '{"pick": ["title", "link"], "rename": {"link": "url"}}');
    // The skill picker shows what the manifest says: description, help and the branches it declares.
    const hints = pick.getByTestId('skill-hints');
    await expect(hints.textContent()).resolves.toContain('Reshapes a JSON object');
    await expect(hints.textContent()).resolves.toContain('on_invalid_input');
    await pick.getByLabel('Route for on_invalid_input').waitFor();

    await addStep('echo', '{"wrap": 5}');
    const wrap = await addStep('echo', '{"wrap": "item"}');
    await expect(wrap.getByLabel('Step id').inputValue()).resolves.toBe('echo_2');
    // The route on a branch: after a successful pick, jump over the second step.
    await pick.getByLabel('Route for on_success').selectOption('echo_2');
    await saveScreenshot(page, '11-workflow-editor');

    await page.getByRole('button', { name: 'Create workflow' }).click();
    const refused = page.getByTestId('problems');
    await refused.waitFor();
    await expect(refused.textContent()).resolves.toContain('/steps/1/config/wrap');
    await expect(refused.textContent()).resolves.toContain('must be string');
    // The same problem sits next to the step it is about.
    await expect(page.getByTestId('step-1').getByTestId('step-problems').textContent()).resolves.toContain(
      '/steps/1/config/wrap',
    );
    expect(new URL(page.url()).pathname).toBe('/workflows/new');
    await saveScreenshot(page, '12-workflow-editor-refused');
    expect(problems.takeUnexpected([REFUSED_DEFINITION_400])).toEqual([]);

    // Not JSON at all is caught before anything is sent.
    await page.getByTestId('step-1').getByLabel('Config (JSON)').fill('{"wrap": ');
    await page.getByRole('button', { name: 'Create workflow' }).click();
    await expect(refused.textContent()).resolves.toContain('Fix these before saving');
    await expect(refused.textContent()).resolves.toContain('not valid JSON');

    await page.getByTestId('step-1').getByLabel('Config (JSON)').fill('{"wrap": "skipped"}');
    await page.getByRole('button', { name: 'Create workflow' }).click();
    await page.getByText('Saved as version 1.').waitFor();
    workflowPath = new URL(page.url()).pathname;
    expect(workflowPath).toMatch(/^\/workflows\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('problems').count()).resolves.toBe(0);
  });

  it('runs it now and follows the live progress until it has completed', async () => {
    const stream = page.waitForResponse((response) =>
      /\/api\/workflows\/runs\/[^/]+\/events$/.test(response.url()),
    );
    stream.catch(() => undefined); // awaited below; a failure before that must not go unhandled
    await page
      .getByTestId('run-now')
      .getByLabel(/^Input/)
      .fill(RUN_INPUT);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/workflows\/runs\/[0-9a-f-]{36}$/);
    runPath = new URL(page.url()).pathname;
    const events = await stream;
    expect(events.status()).toBe(200);
    expect(await events.headerValue('content-type')).toContain('text/event-stream');

    const status = page.locator('.page-head').getByTestId('run-status');
    await expect.poll(() => status.textContent()).toBe('completed');
    // Once the run has ended the stream is closed (no endless reconnecting).
    await page.getByTestId('live').waitFor({ state: 'detached' });
  });

  it('shows the path taken, branch by branch, and each step’s snapshots', async () => {
    // The output is shown once the ended run has been read back: everything below is final.
    await page.getByTestId('run-output').waitFor();
    const path = page.getByTestId('run-path');
    await expect(path.getByTestId('path-end').textContent()).resolves.toContain('end: completed');
    // The route skipped the second step: the path goes json_transform → echo_2 → end.
    await expect(path.locator('.run-path__step').allTextContents()).resolves.toEqual([
      expect.stringContaining('json transform'),
      expect.stringContaining('echo'),
    ]);
    await expect(path.getByTestId('path-step-echo').count()).resolves.toBe(0);
    await expect(path.getByTestId('path-branch-1').textContent()).resolves.toMatch(/on_success\s*→ echo_2/);
    await expect(path.getByTestId('path-branch-2').textContent()).resolves.toMatch(/on_success\s*→ end/);

    const first = page.getByTestId('step-result-1');
    await expect(first.textContent()).resolves.toContain('utm-123'); // its input
    const firstOutput = first.locator('.snapshot').nth(1);
    await expect(firstOutput.textContent()).resolves.toContain('"url": "https://example.com/a"');
    await expect(firstOutput.textContent()).resolves.not.toContain('utm-123');
    const output = page.getByTestId('run-output');
    await expect(output.textContent()).resolves.toContain('"item": {');
    await expect(output.textContent()).resolves.not.toContain('skipped');
    await saveScreenshot(page, '13-workflow-run');
    await page.emulateMedia({ colorScheme: 'dark' });
    await saveScreenshot(page, '13-workflow-run-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('lists the run in the workflow’s history, and the workflow with its badges and last run', async () => {
    await page.locator('.page-head h1').getByRole('link', { name: WORKFLOW_NAME }).click();
    await page.waitForURL(`${server.url}${workflowPath}`);
    const history = page.getByTestId('run-history');
    await history.waitFor();
    await expect(history.locator('tbody tr').count()).resolves.toBe(1);
    await expect(history.getByTestId('run-status').textContent()).resolves.toBe('completed');
    await expect(history.getByRole('link').first().getAttribute('href')).resolves.toBe(runPath);
    // Its schedule has not missed an occurrence, and the editor says so rather than nothing.
    await expect(page.getByTestId('missed-ticks').textContent()).resolves.toContain(
      'No occurrence of this schedule was missed.',
    );
    await saveScreenshot(page, '14-workflow-history');

    await page.getByRole('link', { name: 'All workflows' }).click();
    const row = page.getByTestId(`workflow-${WORKFLOW_NAME}`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('enabled');
    await expect(row.textContent()).resolves.toContain('0 8 * * * (UTC) · active');
    await expect(row.getByTestId('run-status').textContent()).resolves.toBe('completed');
    await saveScreenshot(page, '15-workflows-list');

    await page.getByLabel('Filter workflows').fill('no such thing');
    await page.getByText('No workflow matches').waitFor();
    await page.getByLabel('Filter workflows').fill('feed');
    await row.waitFor();
  });

  it('before 2FA is enrolled, a workflow cannot be made to require 2FA, and the editor says why', async () => {
    await page.goto(`${server.url}${workflowPath}`);
    await expect(page.getByLabel('Requires 2FA to run').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('requires2fa-hint').textContent()).resolves.toContain(
      'once 2FA is enrolled',
    );
  });

  let totpSecret = '';

  it('asks for a 2FA code to run a workflow that requires it: a wrong code is refused, a fresh one runs it', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Set up 2FA' }).click();
    const secretText = page.getByTestId('totp-secret');
    await secretText.waitFor();
    const secret = ((await secretText.textContent()) ?? '').replaceAll(' ', '');
    totpSecret = secret;
    await page.getByLabel('Code from the app').fill(await authenticatorCode(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Two-factor authentication is on.').waitFor();

    await page.goto(`${server.url}${workflowPath}`);
    await page.getByLabel('Requires 2FA to run').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    // Its schedule now waits for an approval with a code, and the editor says so.
    await page.getByRole('button', { name: 'Approve schedule' }).waitFor();

    const runNow = page.getByTestId('run-now');
    await runNow.getByLabel(/^Input/).fill(RUN_INPUT);
    // A code from five minutes ahead is not a current code.
    await runNow.getByLabel('Code from your authenticator').fill(await authenticatorCode(secret, 10));
    await runNow.getByRole('button', { name: 'Run now' }).click();
    await expect(runNow.getByRole('alert').textContent()).resolves.toContain('The 2FA code is wrong');
    await saveScreenshot(page, '16-workflow-run-needs-code');
    expect(problems.takeUnexpected([WRONG_CODE_403])).toEqual([]);

    // The next step's code: within the drift allowed, and not the one enrolment used.
    await runNow.getByLabel('Code from your authenticator').fill(await authenticatorCode(secret, 1));
    await runNow.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/workflows\/runs\/[0-9a-f-]{36}$/);
    expect(new URL(page.url()).pathname).not.toBe(runPath);
    const status = page.locator('.page-head').getByTestId('run-status');
    await expect.poll(() => status.textContent()).toBe('completed');
    await expect(page.getByTestId('run-facts').textContent()).resolves.toContain('v2');
  });

  it('asks for a code to change a workflow that requires 2FA: without one nothing is saved', async () => {
    await page.goto(`${server.url}${workflowPath}`);
    await page.getByTestId('change-code-hint').waitFor();
    await page.getByLabel('Description').fill('Changed by whoever holds the session.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain(
      'needs a current 2FA code',
    );
    expect((await server.talon.workflows.workflows.get(workflowPath.split('/').pop()!)).version).toBe(2);
    expect(problems.takeUnexpected([CHANGE_WITHOUT_CODE_403])).toEqual([]);

    // The earlier steps' codes were spent; forget them, as waiting 30 s for the next one would.
    await forgetUsedTotpCodes(server.talon.database.pool);
    await page.getByLabel('2FA code', { exact: true }).fill(await authenticatorCode(totpSecret));
    await saveScreenshot(page, '16b-workflow-change-needs-code');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved as version 3.').waitFor();
  });

  it('shows a looping run’s steps live while it runs, and cancels it', async () => {
    await page.goto(`${server.url}/workflows/new`);
    await page.getByLabel('Name', { exact: true }).fill('Loop until cancelled');
    await page.getByLabel('Step budget per run').fill('10000');
    const loop = await addStep('echo', '{}');
    await loop.getByLabel('Route for on_success').selectOption('echo');
    await page.getByRole('button', { name: 'Create workflow' }).click();
    await page.getByText('Saved as version 1.').waitFor();

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/workflows\/runs\/[0-9a-f-]{36}$/);
    await page.getByTestId('live').waitFor();
    const executed = page.getByTestId('steps-executed');
    await expect.poll(async () => Number(await executed.textContent())).toBeGreaterThanOrEqual(3);
    const status = page.locator('.page-head').getByTestId('run-status');
    await expect(status.textContent()).resolves.toBe('running');
    // A loop of a trivial skill runs thousands of steps a second: cancel at once, look afterwards.
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => status.textContent()).toBe('cancelled');
    await saveScreenshot(page, '17-workflow-run-cancelled');
    // Stopped before its budget ran out (it would have failed with step_budget_exceeded).
    expect(Number(await executed.textContent())).toBeLessThan(10_000);
    await expect(page.getByTestId('path-end').textContent()).resolves.toContain('end: cancelled');
    await page.getByTestId('live').waitFor({ state: 'detached' });
    await expect(page.getByRole('button', { name: 'Cancel run' }).count()).resolves.toBe(0);
  });

  it('exports a workflow, deletes it, imports it back; a broken document is refused with its paths', async () => {
    const loopName = 'Loop until cancelled';
    await page.locator('.page-head h1').getByRole('link', { name: loopName }).click();
    await page.getByRole('button', { name: 'Save changes' }).waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export' }).click();
    const exported = path.join(mkdtempSync(path.join(tmpdir(), 'talon-export-')), 'loop.talon-workflow.json');
    await (await download).saveAs(exported);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(`${server.url}/workflows`);
    await page.getByTestId(`workflow-${WORKFLOW_NAME}`).waitFor();
    await expect(page.getByTestId(`workflow-${loopName}`).count()).resolves.toBe(0);

    const broken = path.join(path.dirname(exported), 'broken.json');
    writeFileSync(broken, JSON.stringify({ format: 'something else', workflow: { steps: 'none' } }));
    await page.locator('input[type=file]').setInputFiles(broken);
    const refused = page.getByTestId('problems');
    await refused.waitFor();
    await expect(refused.textContent()).resolves.toContain('The import was refused');
    await expect(refused.textContent()).resolves.toContain('/format');
    await saveScreenshot(page, '18-workflow-import-refused');
    expect(problems.takeUnexpected([REFUSED_IMPORT_400])).toEqual([]);

    await page.locator('input[type=file]').setInputFiles(exported);
    await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { level: 1, name: loopName }).waitFor();
    const step = page.getByTestId('step-0');
    await expect(step.getByLabel('Route for on_success').inputValue()).resolves.toBe('echo');
    await expect(page.getByLabel('Step budget per run').inputValue()).resolves.toBe('10000');
  });
});
