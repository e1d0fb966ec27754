import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { RecipeLocator, RecipeTarget } from '@talon/skill-runtime/recipes/index.ts';
import { SidecarError } from '../errors.ts';
import { delay } from '../system/with-timeout.ts';

const POLL_MS = 100;

type Scope = Page | FrameLocator;
type PlaywrightRole = Parameters<Page['getByRole']>[0];

/** How a locator reads in a step's result and in error messages. */
export function describeLocator(locator: RecipeLocator): string {
  switch (locator.kind) {
    case 'role':
      return `role=${locator.role}[name=${JSON.stringify(locator.name)}]`;
    case 'label':
      return `label=${JSON.stringify(locator.label)}`;
    case 'placeholder':
      return `placeholder=${JSON.stringify(locator.placeholder)}`;
    case 'testId':
      return `testId=${JSON.stringify(locator.testId)}`;
    case 'text':
      return `text=${JSON.stringify(locator.text)}`;
    case 'css':
      return `css=${locator.selector}`;
  }
}

function toPlaywright(scope: Scope, locator: RecipeLocator): Locator {
  switch (locator.kind) {
    case 'role': {
      // RecipeRole is the list Playwright accepts; this assignment stops compiling if they part.
      const role: PlaywrightRole = locator.role;
      return scope.getByRole(role, { name: locator.name, exact: true });
    }
    case 'label':
      return scope.getByLabel(locator.label, { exact: true });
    case 'placeholder':
      return scope.getByPlaceholder(locator.placeholder, { exact: true });
    case 'testId':
      return scope.getByTestId(locator.testId);
    case 'text':
      return scope.getByText(locator.text, { exact: true });
    case 'css':
      return scope.locator(locator.selector);
  }
}

async function pageOf(
  pages: readonly Page[],
  index: number,
  deadline: number,
  signal: AbortSignal,
): Promise<Page> {
  for (;;) {
    const page = pages[index];
    if (page) return page;
    if (Date.now() >= deadline) {
      throw new SidecarError('page_not_found', `Page ${index} (a popup the task opens) did not open`, 422);
    }
    await delay(POLL_MS, signal);
  }
}

/**
 * Finds the element of a step: the first of its locators that matches exactly one element, tried
 * again every 100 ms until `deadline` (pages load, elements appear). On failure the message says
 * what each locator matched, so the owner knows which to fix.
 */
export async function locate(
  pages: readonly Page[],
  target: RecipeTarget,
  deadline: number,
  signal: AbortSignal,
): Promise<{ locator: Locator; page: Page; used: string }> {
  const page = await pageOf(pages, target.page, deadline, signal);
  let scope: Scope = page;
  for (const selector of target.frames) scope = scope.frameLocator(selector);
  const framesPrefix = target.frames.map((selector) => `${selector} >> `).join('');
  const counts = new Map<string, string>();
  for (;;) {
    for (const candidate of target.locators) {
      const locator = toPlaywright(scope, candidate);
      const described = describeLocator(candidate);
      const count = await locator.count().catch((error: unknown) => {
        counts.set(described, `invalid: ${String((error as Error).message).split('\n')[0]}`);
        return -1;
      });
      if (count === 1) return { locator, page, used: `${framesPrefix}${described}` };
      if (count >= 0) counts.set(described, `${count} matches`);
    }
    if (Date.now() >= deadline) break;
    await delay(POLL_MS, signal);
  }
  const tried = [...counts].map(([locator, result]) => `${framesPrefix}${locator} (${result})`).join(', ');
  throw new SidecarError('element_not_found', `No locator found exactly one element: ${tried}`, 422);
}
