import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import type { LaunchedBrowser } from '../browser/chromium.ts';

interface Slot {
  index: number;
  busy: boolean;
  browser?: LaunchedBrowser;
  idleTimer?: NodeJS.Timeout;
}

export interface BrowserLease {
  browser: LaunchedBrowser;
  release(): Promise<void>;
}

/**
 * Headless browsers for replays, one per concurrent replay: a replay has its browser to itself (so
 * the files in its downloads folder are the replay's, and a crash fails only that replay), and gets
 * a fresh context in it. A browser is started on first use, kept warm for `idleMs`, and started
 * again when it has crashed or exited.
 */
export class BrowserSlots {
  readonly #slots: Slot[];
  readonly #launch: (slot: number) => Promise<LaunchedBrowser>;
  readonly #idleMs: number;
  readonly #logger: Logger;
  #closed = false;

  constructor(
    size: number,
    launch: (slot: number) => Promise<LaunchedBrowser>,
    idleMs: number,
    logger: Logger,
  ) {
    this.#slots = Array.from({ length: size }, (_, index) => ({ index, busy: false }));
    this.#launch = launch;
    this.#idleMs = idleMs;
    this.#logger = logger;
  }

  get busy(): number {
    return this.#slots.filter((slot) => slot.busy).length;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** A browser of its own for one replay, or undefined when every slot is in use. */
  async acquire(): Promise<BrowserLease | undefined> {
    if (this.#closed) return undefined;
    const slot = this.#slots.find((candidate) => !candidate.busy);
    if (!slot) return undefined;
    slot.busy = true;
    clearTimeout(slot.idleTimer);
    try {
      if (slot.browser && !slot.browser.browser.isConnected()) {
        this.#logger.warn({ slot: slot.index }, 'the replay browser had exited; starting a new one');
        await slot.browser.close();
        slot.browser = undefined;
      }
      slot.browser ??= await this.#launch(slot.index);
    } catch (error) {
      slot.busy = false;
      throw error;
    }
    const browser = slot.browser;
    return { browser, release: () => this.#release(slot, browser) };
  }

  async closeAll(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#slots.map(async (slot) => {
        clearTimeout(slot.idleTimer);
        await slot.browser?.close();
        slot.browser = undefined;
      }),
    );
  }

  async #release(slot: Slot, browser: LaunchedBrowser): Promise<void> {
    // Whatever a failed or cancelled download left behind is not the next replay's.
    for (const name of await readdir(browser.downloadsDir).catch(() => [] as string[])) {
      await rm(path.join(browser.downloadsDir, name), { force: true, recursive: true });
    }
    if (!browser.browser.isConnected()) {
      await browser.close();
      if (slot.browser === browser) slot.browser = undefined;
    }
    slot.busy = false;
    if (this.#closed || !slot.browser) return;
    slot.idleTimer = setTimeout(() => {
      if (slot.busy || !slot.browser) return;
      const idle = slot.browser;
      slot.browser = undefined;
      void idle.close();
    }, this.#idleMs);
    slot.idleTimer.unref();
  }
}
