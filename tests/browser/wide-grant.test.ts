import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from './support/chromium.ts';
import { PageProblems } from './support/page-problems.ts';
import { saveScreenshot } from './support/screenshots.ts';
import {
  BROWSER_TEST_PASSWORD,
  startTalonUnderTest,
  type TalonUnderTest,
} from './support/talon-under-test.ts';

// An owner skill may ask for the net entry "*" (any public host) as web_fetch does; the approval
// screen shows it in red with what it means, beside the hosts it names plainly.
const READER = {
  name: 'page_reader',
  version: '1.0.0',
  description: 'Reads any public page it is given.',
  permissions: ['http'],
  net: ['*', 'api.example.com'],
};

describe('the net entry "*" at approval', { timeout: 90_000 }, () => {
  let server: TalonUnderTest;
  let browser: TestBrowser;
  let problems: PageProblems;
  let page: Page;

  beforeAll(async () => {
    server = await startTalonUnderTest();
    browser = await launchChromium();
    problems = await PageProblems.watch(browser.context);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const folder = path.join(server.talon.skills.lifecycle.skillsDir, READER.name);
    await mkdir(folder, { recursive: true, mode: 0o755 });
    await writeFile(path.join(folder, 'skill.json'), JSON.stringify(READER), { mode: 0o644 });
    await writeFile(path.join(folder, 'index.js'), 'export default { run() { return 1; } };\n', {
      mode: 0o644,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('is listed in red, with what it reaches, where the owner approves the skill', async () => {
    await expect
      .poll(() => server.talon.skills.lifecycle.listPending().map((entry) => entry.name), { timeout: 10_000 })
      .toContain(READER.name);
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Password').fill(BROWSER_TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/skills/approvals`);
    const card = page.getByTestId(`pending-${READER.name}`);
    await card.waitFor();

    const hosts = card.getByTestId('grants-net').locator('code');
    await expect(hosts.allTextContents()).resolves.toEqual([
      '* — any public host on the internet (never your own machine or network)',
      'api.example.com',
    ]);
    const colour = (index: number) =>
      hosts
        .nth(index)
        .evaluate((element) => element.ownerDocument.defaultView?.getComputedStyle(element).color ?? '');
    const [wide, named] = [await colour(0), await colour(1)];
    const [red, green, blue] = wide.match(/\d+/g)!.map(Number) as [number, number, number];
    expect(red).toBeGreaterThan(green + 60);
    expect(red).toBeGreaterThan(blue + 60);
    expect(named).not.toBe(wide);

    // The grant picker flags it too, ticked like everything asked for until the owner unticks it.
    await expect(card.getByTestId('wide-grant').textContent()).resolves.toBe(
      'any public host on the internet (never your own machine or network)',
    );
    await saveScreenshot(page, 'wide-grant-approval');
    expect(problems.takeUnexpected()).toEqual([]);
  });
});
