import type { Logger } from '../logger.ts';
import type { SidecarLimits } from '../limits.ts';
import { SidecarError } from '../errors.ts';
import { recipeDestinationPolicy } from '../network/destination-policy.ts';
import { startEgressProxy } from '../network/egress-proxy.ts';
import type { RunFiles } from '../storage/run-files.ts';
import type { BrowserSlots } from './browser-slots.ts';
import { checkReplayInputs, type ReplayRequest } from './replay-request.ts';
import type { ReplayResult } from './replay-result.ts';
import { runRecipe, type Refusal } from './replay-runner.ts';

export interface ReplaysDeps {
  slots: BrowserSlots;
  runFiles: RunFiles;
  limits: SidecarLimits;
  logger: Logger;
}

/**
 * Runs replays, at most as many at once as there are browser slots (SIDECAR_MAX_REPLAYS, 2 by
 * default); one more is refused with `replays_busy` rather than queued, so the caller (the core's
 * job queue) decides when to try again. Each replay has its own egress proxy with its recipe's rules.
 */
export class Replays {
  readonly #deps: ReplaysDeps;

  constructor(deps: ReplaysDeps) {
    this.#deps = deps;
  }

  get running(): number {
    return this.#deps.slots.busy;
  }

  /** Replays `request`; `cancel` aborts it (the HTTP client went away). */
  async run(request: ReplayRequest, cancel: AbortSignal): Promise<ReplayResult> {
    checkReplayInputs(request);
    const { slots, runFiles, limits, logger } = this.#deps;
    const lease = await slots.acquire();
    if (!lease) {
      throw new SidecarError(
        'replays_busy',
        `${slots.size} replays are running, the most this sidecar runs at once; try again when one finishes`,
        429,
      );
    }
    const refusals: Refusal[] = [];
    const proxy = await startEgressProxy(
      recipeDestinationPolicy(request.recipe),
      (event) => {
        if (event.kind !== 'refused') return;
        const host = event.host.includes(':') ? `[${event.host}]` : event.host;
        refusals.push({ url: event.url, reason: event.reason, destination: `${event.host}:${event.port}` });
        logger.debug({ destination: `${host}:${event.port}` }, 'request refused');
      },
      logger,
    ).catch(async (error: unknown) => {
      await lease.release();
      throw error;
    });
    const timeoutMs = Math.min(request.timeoutMs, limits.maxReplayMs);
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const run = await runFiles.create('replay', request.recipe.name);
      return await runRecipe(
        {
          browser: lease.browser,
          run,
          proxyUrl: proxy.url,
          refusals,
          downloadCaps: async () => ({
            maxBytes: limits.maxDownloadBytes,
            remainingBytes: limits.maxRecipeDownloadBytes - (await runFiles.usageOf(request.recipe.name)),
          }),
          logger,
        },
        request,
        { any: AbortSignal.any([cancel, timeout]), timeout, timeoutMs },
      );
    } finally {
      await proxy.close();
      await lease.release();
    }
  }
}
