import { mkdirSync, rmSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import type { BrowserContext, Download } from 'playwright-core';
import { isNonPublicAddress } from '@talon/skill-runtime/api/net-policy.ts';
import type { Recipe } from '@talon/skill-runtime/recipes/index.ts';
import type { Logger } from '../logger.ts';
import type { SidecarLimits } from '../limits.ts';
import { errorMessage, SidecarError } from '../errors.ts';
import { startVirtualDisplay, type VirtualDisplay } from '../display/xvfb.ts';
import { startVncServer, type VncServer } from '../vnc/x11vnc.ts';
import type { VncEndpoint } from '../vnc/rfb-bridge.ts';
import { launchChromium, type LaunchedBrowser } from '../browser/chromium.ts';
import type { IsolationPlan } from '../browser/sandbox-launcher.ts';
import { blurActiveElement, viewportSize } from '../browser/page-functions.js';
import { recordingDestinationPolicy } from '../network/destination-policy.ts';
import { destinationOf } from '../network/destination.ts';
import { startEgressProxy, type EgressEvent, type EgressProxy } from '../network/egress-proxy.ts';
import type { RunFiles, RunFolder } from '../storage/run-files.ts';
import { saveDownload, type SavedFile } from '../storage/save-download.ts';
import { delay, withTimeout } from '../system/with-timeout.ts';
import { DomEventRecorder, type ActionRecorder } from './dom-recorder.ts';
import { draftRecipe } from './recipe-draft.ts';

const START_PAGE_TIMEOUT_MS = 30_000;
const DOWNLOAD_SETTLE_MS = 30_000;
/** Time for the events of a last blur to reach the recorder. */
const FLUSH_MS = 150;

export interface RecordingDeps {
  runtimeDir: string;
  plan: IsolationPlan;
  display: { width: number; height: number };
  runFiles: RunFiles;
  limits: SidecarLimits;
  logger: Logger;
}

export interface RecordingRequest {
  id: string;
  url: string;
  name: string;
  /** Private addresses (IP or CIDR) the owner allows beyond those of the start URL's host. */
  allowedPrivateAddresses: string[];
}

/** What stopping a recording gives: the recipe for the owner to review, and what happened meanwhile. */
export interface RecordingResult {
  recipe: Recipe;
  /** Empty unless the recipe does not validate yet (the owner fixes it in the admin). */
  problems: string[];
  /** Files downloaded while recording, kept under the recording's run id. */
  downloads: SavedFile[];
  notes: string[];
}

/** The start URL's own private addresses: the owner pointed the recording there, so it may go there. */
async function privateAddressesOf(url: URL): Promise<string[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses =
    isIP(host) !== 0 ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  return addresses.filter((address) => isNonPublicAddress(address));
}

/**
 * One recording: a virtual display, a VNC server on it, a headed Chromium in its sandbox whose only
 * way out is an egress proxy, and the DOM recorder. Everything it starts is stopped by `close`.
 */
export class RecordingSession {
  readonly request: RecordingRequest;
  readonly startedAt = new Date();
  readonly #deps: RecordingDeps;
  readonly #folder: string;
  /** Destinations the proxy let through, with the address used (`host:port` → …). */
  readonly #reached = new Map<string, { host: string; port: number; address: string }>();
  /** Destinations the pages asked for; Chromium's own requests are not part of the task. */
  readonly #pageDestinations = new Set<string>();
  readonly #downloads: Promise<SavedFile | string>[] = [];
  #display: VirtualDisplay | undefined;
  #vnc: VncServer | undefined;
  #proxy: EgressProxy | undefined;
  #browser: LaunchedBrowser | undefined;
  #context: BrowserContext | undefined;
  #recorder: ActionRecorder | undefined;
  #run: RunFolder | undefined;
  #viewport = { width: 0, height: 0 };

  private constructor(deps: RecordingDeps, request: RecordingRequest) {
    this.#deps = deps;
    this.request = request;
    this.#folder = path.join(deps.runtimeDir, 'recordings', request.id);
  }

  static async start(deps: RecordingDeps, request: RecordingRequest): Promise<RecordingSession> {
    const session = new RecordingSession(deps, request);
    try {
      await session.#start();
      return session;
    } catch (error) {
      await session.discard();
      throw error;
    }
  }

  /** Closes everything and removes what the recording downloaded: for a recording without a result. */
  async discard(): Promise<void> {
    await this.close();
    if (this.#run) await this.#deps.runFiles.remove(this.#run.id);
  }

  get vnc(): VncEndpoint {
    if (!this.#vnc) throw new SidecarError('recording_not_running', 'The recording has no live view', 409);
    return { socketPath: this.#vnc.socketPath, password: this.#vnc.password };
  }

  async #start(): Promise<void> {
    const { logger, display: size } = this.#deps;
    mkdirSync(this.#folder, { recursive: true, mode: 0o700 });
    const startUrl = new URL(this.request.url);
    const allowedPrivate = [...this.request.allowedPrivateAddresses, ...(await privateAddressesOf(startUrl))];
    this.#run = await this.#deps.runFiles.create('recording', this.request.name);
    this.#display = await startVirtualDisplay({ folder: this.#folder, ...size, logger });
    this.#vnc = await startVncServer({ folder: this.#folder, display: this.#display, logger });
    const refusals: string[] = [];
    this.#proxy = await startEgressProxy(
      recordingDestinationPolicy(allowedPrivate),
      (event) => this.#onEgress(event, refusals),
      logger,
    );
    this.#browser = await launchChromium({
      plan: this.#deps.plan,
      folder: path.join(this.#deps.runtimeDir, 'browsers', `recording-${this.request.id}`),
      display: this.#display,
      logger,
    });
    this.#context = await this.#browser.browser.newContext({
      proxy: { server: this.#proxy.url },
      viewport: null,
      acceptDownloads: true,
      serviceWorkers: 'block',
    });
    this.#context.on('request', (request) => {
      const destination = destinationOf(request.url());
      if (destination) this.#pageDestinations.add(destination);
    });
    this.#recorder = new DomEventRecorder(logger, (download) => this.#keepDownload(download));
    await this.#recorder.attach(this.#context);
    const page = await this.#context.newPage();
    try {
      await page.goto(this.request.url, { timeout: START_PAGE_TIMEOUT_MS, waitUntil: 'domcontentloaded' });
    } catch (error) {
      const why = refusals[0] ?? errorMessage(error).split('\n')[0];
      throw new SidecarError('start_page_failed', `The start page did not open: ${why}`, 502);
    }
    if (refusals[0])
      throw new SidecarError('start_page_failed', `The start page did not open: ${refusals[0]}`, 502);
    this.#viewport = await page.evaluate(viewportSize);
  }

  #onEgress(event: EgressEvent, refusals: string[]): void {
    if (event.kind === 'refused') {
      refusals.push(`${event.url} was refused: ${event.reason}`);
      return;
    }
    this.#reached.set(`${event.host}:${event.port}`, {
      host: event.host,
      port: event.port,
      address: event.address,
    });
  }

  #keepDownload(download: Download): void {
    const run = this.#run;
    const browser = this.#browser;
    if (!run || !browser) return;
    const saved = (async () => {
      const used = await this.#deps.runFiles.usageOf(run.recipe);
      const caps = {
        maxBytes: this.#deps.limits.maxDownloadBytes,
        remainingBytes: this.#deps.limits.maxRecipeDownloadBytes - used,
      };
      return saveDownload(download, browser.downloadsDir, caps, run);
    })().catch((error: unknown) => `${download.suggestedFilename()} was not kept: ${errorMessage(error)}`);
    this.#downloads.push(saved);
  }

  /** The current page of the recording, for tests that act as the owner would. */
  get context(): BrowserContext | undefined {
    return this.#context;
  }

  /** Builds the recipe from what was captured, then closes everything. */
  async finish(): Promise<RecordingResult> {
    const recorder = this.#recorder;
    if (!recorder) throw new SidecarError('recording_not_running', 'The recording did not start', 409);
    await this.#flushTyping();
    const steps = await recorder.steps();
    const settled = await Promise.all(
      this.#downloads.map((saved) => withTimeout(saved, DOWNLOAD_SETTLE_MS, 'download').catch(errorMessage)),
    );
    await this.close();
    const reached = [...this.#reached].filter(([destination]) => this.#pageDestinations.has(destination));
    const { recipe, problems } = draftRecipe({
      name: this.request.name,
      startUrl: this.request.url,
      viewport: this.#viewport,
      reached: reached.map(([, { host, port }]) => ({ host, port })),
      privateAddresses: reached
        .map(([, { address }]) => address)
        .filter((address) => isNonPublicAddress(address)),
      steps,
      secrets: recorder.secrets(),
      recordedAt: this.startedAt,
    });
    return {
      recipe,
      problems,
      downloads: settled.filter((saved): saved is SavedFile => typeof saved !== 'string'),
      notes: [...recorder.notes(), ...settled.filter((saved): saved is string => typeof saved === 'string')],
    };
  }

  /** A value still being typed when the owner stops counts: blurring the field fires its change event. */
  async #flushTyping(): Promise<void> {
    for (const page of this.#context?.pages() ?? []) {
      for (const frame of page.frames()) await frame.evaluate(blurActiveElement).catch(() => undefined);
    }
    await delay(FLUSH_MS);
  }

  /** Stops the browser, the proxy, the VNC server and the display, and removes the private folder. */
  async close(): Promise<void> {
    await this.#context?.close().catch(() => undefined);
    await this.#browser?.close();
    await this.#proxy?.close();
    await this.#vnc?.stop();
    await this.#display?.stop();
    rmSync(this.#folder, { recursive: true, force: true });
    this.#context = undefined;
    this.#browser = undefined;
    this.#proxy = undefined;
    this.#vnc = undefined;
    this.#display = undefined;
  }
}
