import { fileURLToPath } from 'node:url';
import type { BrowserContext, CDPSession, Download, Frame, Page } from 'playwright-core';
import {
  RECIPE_LIMITS,
  type RecipeSecret,
  type RecipeStep,
  type RecipeTarget,
} from '@talon/skill-runtime/recipes/index.ts';
import type { Logger } from '../logger.ts';
import { errorMessage } from '../errors.ts';
import { withTimeout } from '../system/with-timeout.ts';
import { frameSelector } from '../browser/page-functions.js';
import { parsePageEvent, type PageEvent, type PageTarget } from './recorder-events.ts';
import { SecretHandles } from './secret-handles.ts';

const PAGE_SCRIPT = fileURLToPath(new URL('./recorder-page-script.js', import.meta.url));
const BINDING = '__talonRecordEvent';
/** Navigation types of a main frame that the owner caused from the browser's UI, not the page. */
const TYPED_TRANSITIONS = new Set([
  'typed',
  'address_bar',
  'generated',
  'auto_bookmark',
  'keyword',
  'keyword_generated',
]);
/** A download within this long after a click on the same page is that click's. */
const DOWNLOAD_AFTER_CLICK_MS = 10_000;
const SETTLE_MS = 3_000;

/**
 * Turns what the owner does in a browser context into recipe steps. The one seam between recording
 * and how actions are captured: this implementation injects a DOM-event script into every page and
 * frame (Playwright's own recorder is a private API that changes between releases).
 */
export interface ActionRecorder {
  attach(context: BrowserContext): Promise<void>;
  /** The steps so far, in the order the owner acted (waits briefly for those still being resolved). */
  steps(): Promise<RecipeStep[]>;
  secrets(): RecipeSecret[];
  /** Things the owner should know about the recording (an upload that was not recorded, ...). */
  notes(): string[];
}

interface Entry {
  order: number;
  kind: PageEvent['kind'] | 'navigate';
  pageIndex: number;
  at: number;
  becameDownload: boolean;
  step: Promise<RecipeStep | undefined>;
}

function targetKey(target: RecipeTarget): string {
  return JSON.stringify([target.page, target.frames, target.locators[0]]);
}

async function framePath(frame: Frame): Promise<string[]> {
  const selectors: string[] = [];
  for (
    let current = frame, parent = frame.parentFrame();
    parent;
    current = parent, parent = parent.parentFrame()
  ) {
    const element = await current.frameElement();
    selectors.unshift(await element.evaluate(frameSelector));
    await element.dispose();
  }
  return selectors;
}

export class DomEventRecorder implements ActionRecorder {
  readonly #pages: Page[] = [];
  readonly #entries: Entry[] = [];
  readonly #handles = new SecretHandles();
  readonly #notes: string[] = [];
  readonly #logger: Logger;
  readonly #onDownload: (download: Download) => void;
  #nextOrder = 0;

  /** `onDownload` gets every download the owner starts, to be saved while the recording goes on. */
  constructor(logger: Logger, onDownload: (download: Download) => void) {
    this.#logger = logger;
    this.#onDownload = onDownload;
  }

  async attach(context: BrowserContext): Promise<void> {
    await context.exposeBinding(BINDING, (source: { page: Page; frame: Frame }, payload: unknown) => {
      this.#onPageEvent(source.page, source.frame, payload);
    });
    await context.addInitScript({ path: PAGE_SCRIPT });
    context.on('page', (page) => this.#track(page));
    for (const page of context.pages()) this.#track(page);
  }

  async steps(): Promise<RecipeStep[]> {
    const ordered = [...this.#entries].sort((a, b) => a.order - b.order);
    const steps: RecipeStep[] = [];
    for (const entry of ordered) {
      let step = await withTimeout(entry.step, SETTLE_MS, 'recorded step').catch(() => undefined);
      if (!step) continue;
      if (entry.becameDownload && step.type === 'click') {
        step = {
          type: 'download',
          target: step.target,
          description: step.description?.replace(/^Click/, 'Download by clicking'),
        };
      }
      const previous = steps.at(-1);
      // Typing into the same field again replaces the earlier value.
      if (
        step.type === 'fill' &&
        previous?.type === 'fill' &&
        targetKey(previous.target) === targetKey(step.target)
      ) {
        steps.pop();
      }
      steps.push(step);
    }
    if (steps.length > RECIPE_LIMITS.maxSteps) {
      this.#notes.push(`Only the first ${RECIPE_LIMITS.maxSteps} steps were kept`);
      return steps.slice(0, RECIPE_LIMITS.maxSteps);
    }
    return steps;
  }

  secrets(): RecipeSecret[] {
    return this.#handles.list();
  }

  notes(): string[] {
    return [...this.#notes];
  }

  #track(page: Page): void {
    if (this.#pages.includes(page)) return;
    const pageIndex = this.#pages.length;
    this.#pages.push(page);
    const history = page.context().newCDPSession(page);
    history.catch(() => undefined);
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame !== page.mainFrame()) return;
      navigations += 1;
      // The first navigation of the first page is the recording's start URL; a popup's first is its opener's doing.
      if (navigations === 1) return;
      this.#add('navigate', pageIndex, this.#navigationStep(page, pageIndex, frame.url(), history));
    });
    page.on('download', (download) => this.#markDownload(pageIndex, download));
  }

  async #navigationStep(
    page: Page,
    pageIndex: number,
    url: string,
    history: Promise<CDPSession>,
  ): Promise<RecipeStep | undefined> {
    await page.waitForLoadState('domcontentloaded', { timeout: 15_000 }).catch(() => undefined);
    try {
      const { currentIndex, entries } = (await (await history).send('Page.getNavigationHistory')) as {
        currentIndex: number;
        entries: { url: string; transitionType: string }[];
      };
      const current = entries[currentIndex];
      if (!current || !TYPED_TRANSITIONS.has(current.transitionType)) return undefined;
      const step: RecipeStep = {
        type: 'navigate',
        url: current.url || url,
        description: `Go to ${current.url || url}`,
      };
      return pageIndex === 0 ? step : { ...step, page: pageIndex };
    } catch (error) {
      this.#logger.debug({ err: errorMessage(error) }, 'navigation type unknown');
      return undefined;
    }
  }

  #add(kind: Entry['kind'], pageIndex: number, step: Promise<RecipeStep | undefined>): Entry {
    step.catch(() => undefined);
    const entry: Entry = {
      order: this.#nextOrder++,
      kind,
      pageIndex,
      at: Date.now(),
      becameDownload: false,
      step,
    };
    this.#entries.push(entry);
    return entry;
  }

  #onPageEvent(page: Page, frame: Frame, payload: unknown): void {
    const event = parsePageEvent(payload);
    const pageIndex = this.#pages.indexOf(page);
    if (!event || pageIndex < 0) {
      this.#logger.warn({ page: pageIndex }, 'ignored a malformed recorder event');
      return;
    }
    if (event.kind === 'note') {
      if (this.#notes.length < 50) this.#notes.push(event.message);
      return;
    }
    this.#add(event.kind, pageIndex, this.#stepFor(event, pageIndex, frame));
  }

  async #target(pageIndex: number, frame: Frame, target: PageTarget): Promise<RecipeTarget> {
    return { page: pageIndex, frames: await framePath(frame), locators: target.locators };
  }

  async #stepFor(
    event: Exclude<PageEvent, { kind: 'note' }>,
    pageIndex: number,
    frame: Frame,
  ): Promise<RecipeStep> {
    if (event.kind === 'press') {
      const description = event.target
        ? `Press ${event.key} in ${event.target.description}`
        : `Press ${event.key}`;
      return event.target
        ? {
            type: 'press',
            key: event.key,
            target: await this.#target(pageIndex, frame, event.target),
            description,
          }
        : { type: 'press', key: event.key, description };
    }
    const target = await this.#target(pageIndex, frame, event.target);
    const what = event.target.description;
    switch (event.kind) {
      case 'click':
        return { type: 'click', target, description: `Click ${what}` };
      case 'select':
        return {
          type: 'select',
          target,
          values: event.values,
          description: `Select ${event.values.join(', ')} in ${what}`,
        };
      case 'check':
        return {
          type: 'check',
          target,
          checked: event.checked,
          description: `${event.checked ? 'Check' : 'Uncheck'} ${what}`,
        };
      case 'fill': {
        if (event.secret !== true)
          return { type: 'fill', target, value: { literal: event.value }, description: `Fill ${what}` };
        const handle = this.#handles.handleFor(targetKey(target), event.hint, what);
        return {
          type: 'fill',
          target,
          value: { secret: handle },
          description: `Fill ${what} with the secret ${handle}`,
        };
      }
    }
  }

  #markDownload(pageIndex: number, download: Download): void {
    const now = Date.now();
    const click = [...this.#entries]
      .reverse()
      .find(
        (entry) =>
          entry.pageIndex === pageIndex &&
          entry.kind === 'click' &&
          now - entry.at <= DOWNLOAD_AFTER_CLICK_MS,
      );
    if (click) click.becameDownload = true;
    else
      this.#notes.push(
        `A download (${download.suggestedFilename()}) started without a click; it is not a step`,
      );
    this.#onDownload(download);
  }
}
