import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LogRing } from '@talon/core/logging/log-ring.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { NodeLogs } from '@talon/core/logging/node-logs.ts';
import { generateActivity, type GeneratedActivity } from '@talon/core/metrics/activity-generator.ts';
import { forgetUsedTotpCodes, loginAsAdmin } from '@talon/core/testing/admin-session.ts';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems, type ExpectedProblem } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import {
  BROWSER_TEST_PASSWORD,
  startTalonUnderTest,
  type TalonUnderTest,
} from './support/talon-under-test.ts';

const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const END_OTHERS_REFUSED_403: ExpectedProblem = {
  text: /status of 403/,
  url: /\/api\/sessions\/end-others$/,
};

/**
 * What sticks out of the window sideways (a person at 390 px would have to scroll to read it): the
 * outermost such elements, none when the page fits. Inside a box that scrolls or clips sideways (the
 * nav, a wide table's wrapper) is fine, unless it is positioned out of that box. Runs in the page.
 */
const SIDEWAYS_OVERFLOW = `(() => {
  if (document.documentElement.scrollWidth <= window.innerWidth + 1) return [];
  const clipped = (element) => {
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      if (getComputedStyle(parent).overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [...document.querySelectorAll('body *')].filter(
    (element) =>
      element.getBoundingClientRect().right > window.innerWidth + 1 &&
      (!clipped(element) || ['absolute', 'fixed'].includes(getComputedStyle(element).position)),
  );
  return out
    .filter((element) => !out.includes(element.parentElement))
    .map((element) => element.tagName.toLowerCase() + '.' + element.className + ' (' + Math.round(element.getBoundingClientRect().right) + ' px)');
})()`;

async function overflowsSideways(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(SIDEWAYS_OVERFLOW);
}

/** How many pixels of a plot's canvas are drawn (not transparent). */
async function drawnPixels(page: Page, testid: string): Promise<number> {
  return page
    .getByTestId(testid)
    .locator('canvas')
    .evaluate((element) => {
      const canvas = element as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
        };
      };
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let drawn = 0;
      for (let index = 3; index < data.length; index += 4) if (data[index]! > 0) drawn += 1;
      return drawn;
    });
}

describe("the operator's screens in a real browser", { timeout: 60_000 }, () => {
  let server: TalonUnderTest;
  let browser: TestBrowser;
  let problems: PageProblems;
  let page: Page;
  let generated: GeneratedActivity;

  beforeAll(async () => {
    // Warnings and worse in the log (a test run's info lines would be many): what the Logs screen shows.
    server = await startTalonUnderTest({ env: { LOG_LEVEL: 'warn' } });
    const pool = server.talon.database.pool;
    // A day of activity, as the triggers and the skill-call meter record it (documented generator).
    generated = await generateActivity(pool, { hours: 24, llmProviders: ['claude', 'local_llama'] });
    await server.talon.audit.record({
      actor: 'skill:rss_fetch',
      action: 'skillapi.http',
      target: 'evil.example',
      outcome: 'denied',
      reason: 'host_not_granted',
      details: { url: 'https://evil.example/steal' },
    });
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
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(problems.takeUnexpected()).toEqual([]);
  });

  it('shows health, the deployment check and plots of a generated day on the dashboard', async () => {
    const health = page.getByTestId('health');
    await expect
      .poll(() => health.locator('[data-component="database"]').textContent())
      .toMatch(/Database\s*ok/);
    await expect.poll(() => health.locator('[data-component="sandbox.wall"]').count()).toBe(1);
    const doctor = page.getByTestId('doctor');
    await expect.poll(() => doctor.textContent()).toContain('2FA is not enrolled');
    expect(await doctor.textContent()).toContain('Talon has never been backed up');

    // Every plot is drawn on its canvas.
    for (const plot of ['plot-runs', 'plot-latency', 'plot-skills', 'plot-tokens', 'plot-logins']) {
      await expect.poll(() => drawnPixels(page, plot), { message: plot }).toBeGreaterThan(500);
    }
    // The last 24 hours, chosen with the keyboard; the runs' numbers in the table are the generated ones.
    const day = page.getByRole('button', { name: 'Last 24 hours' });
    await day.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => day.getAttribute('aria-pressed')).toBe('true');
    const runs = page.getByTestId('plot-runs');
    await runs.getByText('Show as a table').click();
    const rows = runs.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(24);
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))),
    );
    const failed = cells.reduce((sum, [, failedRuns]) => sum + (failedRuns ?? 0), 0);
    expect(failed).toBe(generated.runs.failed);
    const skills = page.getByTestId('plot-skills');
    await skills.getByText('Show as a table').click();
    await expect.poll(() => skills.locator('tbody').textContent()).toContain('rss_fetch');
    await expect
      .poll(() => page.getByTestId('plot-tokens').getByRole('img').getAttribute('aria-label'))
      .toMatch(/claude, local_llama/);
    await saveScreenshot(page, 'operations-01-dashboard-1280');
    expect(await overflowsSideways(page)).toEqual([]);

    await page.setViewportSize({ width: 390, height: 844 });
    // Chart.js redraws each plot at the new width a moment after the page narrows (its resize
    // observer), so the old, wider canvases are still there for a while.
    await expect.poll(() => overflowsSideways(page)).toEqual([]);
    await expect.poll(() => drawnPixels(page, 'plot-runs')).toBeGreaterThan(500);
    await saveScreenshot(page, 'operations-02-dashboard-390');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('filters the audit log, shows an entry in detail and exports what is shown', async () => {
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.waitForURL(`${server.url}/operations/audit`);
    const log = page.getByTestId('audit-log');
    await expect.poll(() => log.textContent()).toContain('auth.login');
    await page.getByLabel('Outcome').selectOption('denied');
    await page.getByLabel('Skill').fill('rss_fetch');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => log.locator('tbody tr').count()).toBe(1);
    expect(await log.textContent()).toContain('evil.example');

    // The detail, opened from the keyboard.
    const details = log.getByRole('button', { name: 'Details' });
    await details.focus();
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('audit-detail');
    await expect.poll(() => detail.textContent()).toContain('host_not_granted');
    expect(await detail.textContent()).toContain('https://evil.example/steal');
    await saveScreenshot(page, 'operations-03-audit');

    const href = await page.getByTestId('export-csv').getAttribute('href');
    expect(href).toContain('outcome=denied');
    expect(href).toContain('skill=rss_fetch');
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href!);
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('skillapi.http');
    const json = await page.evaluate(
      async (url) => (await fetch(url)).json() as Promise<unknown[]>,
      (await page.getByTestId('export-json').getAttribute('href'))!,
    );
    expect(json).toHaveLength(1);

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowsSideways(page)).toEqual([]);
    await saveScreenshot(page, 'operations-04-audit-390');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("shows this node's log live, filtered, and another node's through the node picker", async () => {
    server.talon.logger.warn({ feed: 'https://example.org/rss' }, 'a feed answered slowly');
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.waitForURL(`${server.url}/operations/logs`);
    await expect.poll(() => page.getByTestId('log-live').textContent()).toBe('live');
    const lines = page.getByTestId('log-lines');
    await expect.poll(() => lines.textContent()).toContain('a feed answered slowly');
    expect(await lines.textContent()).toContain('feed=https://example.org/rss');

    await page.getByLabel('Containing').fill('browser-live-marker');
    await expect.poll(() => page.getByText('No line matches.').count()).toBe(1);
    server.talon.logger.warn({ secret: 'do-not-show-this' }, 'browser-live-marker arrived');
    await expect.poll(() => lines.textContent()).toContain('browser-live-marker arrived');
    expect(await lines.textContent()).toContain('[redacted]');
    expect(await page.content()).not.toContain('do-not-show-this');
    await saveScreenshot(page, 'operations-05-logs');

    // A second node on the same database ships its lines; the picker appears and shows them.
    const ring = new LogRing();
    createLogger('info', ring).error('node-b lost its sidecar');
    await new NodeLogs(server.talon.database.pool, 'node-b', ring).ship();
    await page.reload();
    const picker = page.getByTestId('log-node');
    await expect.poll(() => picker.count()).toBe(1);
    await page.getByLabel('Containing').fill('');
    await picker.selectOption('node-b');
    await expect.poll(() => lines.textContent()).toContain('node-b lost its sidecar');
    expect(await lines.textContent()).not.toContain('browser-live-marker');
  });

  it('ends another session, and all others with a 2FA code once 2FA is enrolled', async () => {
    const other = await loginAsAdmin(server.talon.app, BROWSER_TEST_PASSWORD, {
      remoteAddress: '198.51.100.20',
    });
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.waitForURL(`${server.url}/operations/sessions`);
    const table = page.getByTestId('sessions');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    expect(await table.locator('tr[data-current="true"]').textContent()).toContain('this session');
    const row = table.locator('tr', { hasText: '198.51.100.20' });
    await row.getByRole('button', { name: 'End this session' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('198.51.100.20 has ended');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    const stale = await server.talon.app.inject({
      method: 'GET',
      url: '/api/dashboard',
      headers: other.headers,
    });
    expect(stale.statusCode).toBe(401);

    await server.talon.settings.set('auth.totp.secret', TOTP_SECRET);
    await server.talon.settings.set('auth.totp.enabled', true);
    await loginAsAdmin(server.talon.app, BROWSER_TEST_PASSWORD, { remoteAddress: '198.51.100.21' });
    await loginAsAdmin(server.talon.app, BROWSER_TEST_PASSWORD, { remoteAddress: '198.51.100.22' });
    await page.reload();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    // A wrong code (the field itself wants six digits first) is refused and ends nothing.
    const shown = await Promise.all(
      [-1, 0, 1].map((steps) =>
        generate({ secret: TOTP_SECRET, epoch: Math.floor(Date.now() / 1000) + steps * 30 }),
      ),
    );
    await page
      .getByLabel('2FA code')
      .fill(['000000', '111111', '222222', '333333'].find((code) => !shown.includes(code))!);
    await page.getByRole('button', { name: 'End all other sessions' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/2FA code is wrong/);
    expect(await table.locator('tbody tr').count()).toBe(3);
    expect(problems.takeUnexpected([END_OTHERS_REFUSED_403])).toEqual([]);
    await forgetUsedTotpCodes(server.talon.database.pool);
    await page.getByLabel('2FA code').fill(await generate({ secret: TOTP_SECRET }));
    await page.getByRole('button', { name: 'End all other sessions' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('2 other session(s) ended');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await saveScreenshot(page, 'operations-06-sessions');
  });

  it('backs up from the admin and lists the archive', async () => {
    await page.getByRole('link', { name: 'Backups' }).click();
    await page.waitForURL(`${server.url}/operations/backups`);
    await expect.poll(() => page.getByText('No backup yet.').count()).toBe(1);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), { timeout: 20_000 })
      .toMatch(/Backed up to .*talon-backup-.*\.tar\.gz/);
    const table = page.getByTestId('backups');
    await expect.poll(() => table.textContent()).toMatch(/admin.*succeeded.*talon-backup-/s);
    await saveScreenshot(page, 'operations-07-backups');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowsSideways(page)).toEqual([]);
    await saveScreenshot(page, 'operations-08-backups-390');
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
