import type { BrowserContext, Locator, Page } from 'playwright-core';
import { errorMessage, SidecarError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { LaunchedBrowser } from '../browser/chromium.ts';
import type { RunFolder } from '../storage/run-files.ts';
import type { DownloadCaps } from '../storage/save-download.ts';
import { destinationOf } from '../network/destination.ts';
import type { ReplayRequest } from './replay-request.ts';
import type { ReplayError, ReplayResult, StepResult } from './replay-result.ts';
import { performStep, saveScreenshot, type StepEnv, type StepOutcome } from './step-actions.ts';

const FAILURE_SCREENSHOT_MS = 5_000;

export interface Refusal {
  url: string;
  reason: string;
  /** `host:port`, to tell a page's requests from the browser's own. */
  destination: string;
}

export interface RunnerDeps {
  browser: LaunchedBrowser;
  run: RunFolder;
  /** The egress proxy this replay's context goes through. */
  proxyUrl: string;
  /** Filled by the proxy as it refuses requests; a page's request refused during a step fails that step. */
  refusals: readonly Refusal[];
  downloadCaps(): Promise<DownloadCaps>;
  logger: Logger;
}

export interface RunnerSignals {
  /** Aborts on either: the caller went away, or the replay ran out of time. */
  any: AbortSignal;
  timeout: AbortSignal;
  timeoutMs: number;
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.slice(0, 500) ?? '';
}

/** Why a step (or the start) failed, in the stable codes of ReplayError. */
function classify(
  error: unknown,
  deps: RunnerDeps,
  signals: RunnerSignals,
): { code: string; message: string } {
  if (signals.timeout.aborted) {
    return { code: 'replay_timeout', message: `The replay took longer than ${signals.timeoutMs} ms` };
  }
  if (!deps.browser.browser.isConnected()) {
    return { code: 'browser_crashed', message: 'The browser crashed; a new one starts for the next replay' };
  }
  if (signals.any.aborted) return { code: 'cancelled', message: 'The replay was cancelled' };
  if (error instanceof SidecarError) return { code: error.code, message: error.message };
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { code: 'step_timeout', message: firstLine(error.message) };
  }
  return { code: 'step_failed', message: firstLine(errorMessage(error)) };
}

/** The first refusal after the `seen` first of a request some page made (not one of Chromium's own). */
function refusedSince(
  deps: RunnerDeps,
  seen: number,
  pageDestinations: ReadonlySet<string>,
): { code: string; message: string } | undefined {
  const refusal = deps.refusals.slice(seen).find((candidate) => pageDestinations.has(candidate.destination));
  if (!refusal) return undefined;
  return { code: 'blocked_request', message: `${refusal.url} was refused: ${refusal.reason}` };
}

/**
 * Replays a recipe in a fresh browser context of `deps.browser`: the start page, then each step
 * before its own deadline. The first failing step ends the replay, with a screenshot of the page.
 */
export async function runRecipe(
  deps: RunnerDeps,
  request: ReplayRequest,
  signals: RunnerSignals,
): Promise<ReplayResult> {
  const { recipe } = request;
  const started = Date.now();
  const steps: StepResult[] = recipe.steps.map((step, index) => ({
    index,
    type: step.type,
    status: 'not_run',
  }));
  const result: ReplayResult = {
    id: deps.run.id,
    recipe: recipe.name,
    status: 'succeeded',
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    durationMs: 0,
    steps,
    downloads: [],
    screenshots: [],
    data: [],
    blockedRequests: [],
  };
  const pages: Page[] = [];
  const pageDestinations = new Set<string>();
  let context: BrowserContext | undefined;
  const closeOnAbort = () => void context?.close().catch(() => undefined);
  signals.any.addEventListener('abort', closeOnAbort, { once: true });
  // A browser that dies ends the step in progress (a wait included) instead of letting it run on.
  const crashed = new AbortController();
  const onDisconnect = () => crashed.abort(new Error('the browser exited'));
  deps.browser.browser.once('disconnected', onDisconnect);
  const stepSignal = AbortSignal.any([signals.any, crashed.signal]);
  const secretFields: Locator[] = [];
  const fail = async (error: ReplayError, page: Page | undefined) => {
    result.status = 'failed';
    result.error = error;
    if (!page || error.code === 'browser_crashed' || signals.any.aborted) return;
    const name = error.step === undefined ? 'failure-start' : `failure-step-${error.step}`;
    const screenshot = await saveScreenshot(
      page,
      deps.run,
      name,
      Date.now() + FAILURE_SCREENSHOT_MS,
      secretFields,
    ).catch(() => undefined);
    if (screenshot)
      result.screenshots.push({
        ...screenshot,
        ...(error.step === undefined ? {} : { step: error.step }),
        reason: 'failure',
      });
  };
  try {
    context = await deps.browser.browser.newContext({
      proxy: { server: deps.proxyUrl },
      viewport: recipe.viewport,
      acceptDownloads: true,
      serviceWorkers: 'block',
      ...(request.storageState ? { storageState: request.storageState } : {}),
    });
    context.on('request', (pageRequest) => {
      const destination = destinationOf(pageRequest.url());
      if (destination) pageDestinations.add(destination);
    });
    context.on('page', (page) => {
      if (!pages.includes(page)) pages.push(page);
    });
    const first = await context.newPage();
    if (!pages.includes(first)) pages.push(first);
    let startError: { code: string; message: string } | undefined;
    try {
      await first.goto(recipe.startUrl, { timeout: recipe.stepTimeoutMs, waitUntil: 'domcontentloaded' });
    } catch (error) {
      startError = refusedSince(deps, 0, pageDestinations) ?? classify(error, deps, signals);
    }
    startError ??= refusedSince(deps, 0, pageDestinations);
    if (startError) {
      const code = startError.code === 'step_failed' ? 'start_page_failed' : startError.code;
      await fail({ code, message: `The start page did not open: ${startError.message}` }, first);
    }
    const env: StepEnv = {
      pages,
      request,
      run: deps.run,
      downloadsDir: deps.browser.downloadsDir,
      downloadCaps: () => deps.downloadCaps(),
      signal: stepSignal,
      secretFields,
    };
    for (const [index, step] of recipe.steps.entries()) {
      if (result.status === 'failed') break;
      const stepStarted = Date.now();
      const refusalsBefore = deps.refusals.length;
      const deadline = stepStarted + (step.timeoutMs ?? recipe.stepTimeoutMs);
      let outcome: StepOutcome = {};
      let error: { code: string; message: string } | undefined;
      try {
        outcome = await performStep(env, step, deadline);
      } catch (thrown) {
        error = refusedSince(deps, refusalsBefore, pageDestinations) ?? classify(thrown, deps, signals);
      }
      error ??= refusedSince(deps, refusalsBefore, pageDestinations);
      const stepResult = steps[index];
      if (stepResult) {
        stepResult.status = error ? 'failed' : 'succeeded';
        stepResult.durationMs = Date.now() - stepStarted;
        if (outcome.locator) stepResult.locator = outcome.locator;
        if (error) stepResult.error = error;
      }
      if (outcome.download) result.downloads.push({ ...outcome.download, step: index });
      if (outcome.screenshot) result.screenshots.push({ ...outcome.screenshot, step: index, reason: 'step' });
      if (outcome.data) result.data.push({ step: index, ...outcome.data });
      if (error) await fail({ ...error, step: index }, outcome.page ?? pages.at(-1));
    }
    if (request.returnStorageState && !signals.any.aborted && deps.browser.browser.isConnected()) {
      result.storageState = await context.storageState();
    }
  } catch (error) {
    await fail(classify(error, deps, signals), pages.at(-1));
  } finally {
    signals.any.removeEventListener('abort', closeOnAbort);
    deps.browser.browser.off('disconnected', onDisconnect);
    await context?.close().catch(() => undefined);
  }
  result.blockedRequests = deps.refusals
    .filter((refusal) => pageDestinations.has(refusal.destination))
    .map(({ url, reason }) => ({ url, reason }));
  result.finishedAt = new Date().toISOString();
  result.durationMs = Date.now() - started;
  deps.logger.info(
    {
      replay: result.id,
      recipe: recipe.name,
      status: result.status,
      error: result.error?.code,
      durationMs: result.durationMs,
    },
    'replay finished',
  );
  return result;
}
