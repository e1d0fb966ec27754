import { stat } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import type { RecipeStep } from '@talon/skill-runtime/recipes/index.ts';
import { FIXED_LIMITS } from '../limits.ts';
import { readTable } from '../browser/page-functions.js';
import type { RunFolder } from '../storage/run-files.ts';
import { saveDownload, sha256Of, type DownloadCaps, type SavedFile } from '../storage/save-download.ts';
import { delay } from '../system/with-timeout.ts';
import { locate } from './locate.ts';
import { resolveValue, type ReplayRequest } from './replay-request.ts';
import type { ScrapedData } from './replay-result.ts';

/** What a step needs from its replay. */
export interface StepEnv {
  pages: Page[];
  request: ReplayRequest;
  run: RunFolder;
  downloadsDir: string;
  /** The caps for the next download (the recipe's quota shrinks as files are kept). */
  downloadCaps(): Promise<DownloadCaps>;
  signal: AbortSignal;
  /** Fields a secret was typed into: screenshots cover them (a one-time code in a text field shows). */
  secretFields: Locator[];
}

/** What a step produced besides succeeding. */
export interface StepOutcome {
  locator?: string;
  /** The page the step acted on, for a screenshot if a later check fails it. */
  page?: Page;
  download?: SavedFile;
  screenshot?: SavedFile;
  data?: Omit<ScrapedData, 'step'>;
}

function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

/** A PNG of the page in the run's folder, with the fields in `mask` painted over. */
export async function saveScreenshot(
  page: Page,
  run: RunFolder,
  name: string,
  deadline: number,
  mask: readonly Locator[],
): Promise<SavedFile> {
  const file = run.reserve(`${name}.png`);
  const onPage = mask.filter((locator) => locator.page() === page);
  await page.screenshot({ path: file.path, timeout: remaining(deadline), mask: onPage });
  const { size } = await stat(file.path);
  return {
    name: file.name,
    bytes: size,
    sha256: await sha256Of(file.path),
    url: `/files/${run.id}/${file.name}`,
  };
}

/** Runs one step before `deadline`; throws (SidecarError or Playwright's) when it cannot. */
export async function performStep(env: StepEnv, step: RecipeStep, deadline: number): Promise<StepOutcome> {
  const timeout = (): number => remaining(deadline);
  switch (step.type) {
    case 'navigate': {
      const page = env.pages[step.page ?? 0];
      if (!page) throw new Error(`page ${step.page ?? 0} is not open`);
      await page.goto(step.url, { timeout: timeout(), waitUntil: 'domcontentloaded' });
      return { page };
    }
    case 'wait':
      await delay(Math.min(step.ms, timeout()), env.signal);
      return {};
    case 'screenshot': {
      const page = env.pages.at(-1);
      if (!page) throw new Error('no page is open');
      return { page, screenshot: await saveScreenshot(page, env.run, step.name, deadline, env.secretFields) };
    }
    case 'scrape': {
      const page = env.pages.at(-1);
      if (!page) throw new Error('no page is open');
      const found = step.target
        ? await locate(env.pages, step.target, deadline, env.signal)
        : { locator: page.locator('table').first(), page, used: 'css=table' };
      await found.locator.waitFor({ state: 'attached', timeout: timeout() });
      const limits = { maxRows: FIXED_LIMITS.maxScrapedRows, maxCellChars: FIXED_LIMITS.maxScrapedCellChars };
      const table = await found.locator.evaluate(readTable, limits, { timeout: timeout() });
      return { locator: found.used, page: found.page, data: { name: step.name, ...table } };
    }
    case 'press':
      if (!step.target) {
        const page = env.pages.at(-1);
        if (!page) throw new Error('no page is open');
        await page.keyboard.press(step.key);
        return { page };
      }
  }
  if (!step.target) throw new Error('the step has no target');
  const { locator, page, used } = await locate(env.pages, step.target, deadline, env.signal);
  const outcome: StepOutcome = { locator: used, page };
  switch (step.type) {
    case 'click':
      await locator.click({ timeout: timeout() });
      return outcome;
    case 'fill':
      if ('secret' in step.value) env.secretFields.push(locator);
      await locator.fill(resolveValue(step.value, env.request), { timeout: timeout() });
      return outcome;
    case 'select':
      await locator.selectOption(step.values, { timeout: timeout() });
      return outcome;
    case 'check':
      await locator.setChecked(step.checked, { timeout: timeout() });
      return outcome;
    case 'press':
      await locator.press(step.key, { timeout: timeout() });
      return outcome;
    case 'download': {
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: timeout() }),
        locator.click({ timeout: timeout() }),
      ]);
      const caps = await env.downloadCaps();
      return { ...outcome, download: await saveDownload(download, env.downloadsDir, caps, env.run) };
    }
  }
}
