import type { Bot } from 'grammy';
import type { Logger } from '../logging/logger.ts';
import type { GatewaySettings } from './gateway-settings.ts';
import type { LeaseTimings, PollLease } from './poll-lease.ts';
import { pollWhileLeader } from './poller.ts';
import { grammySignal, sleep } from './sleep.ts';
import { describeTelegramError, isBadToken } from './telegram-errors.ts';
import type { UpdateLog } from './update-log.ts';
import type { Update } from 'grammy/types';

/** Rounds of duties between two prunings (with 1-s rounds: every ten minutes). */
const PRUNE_EVERY_ROUNDS = 600;

export interface LeaseHolderOptions {
  lease: PollLease;
  updates: UpdateLog;
  timings: {
    lease: LeaseTimings;
    longPollTimeoutSeconds: number;
    dutiesIntervalMs: number;
    maxBackoffMs: number;
  };
  logger: Logger;
  handleUpdate(update: Update): Promise<void>;
  /** One round of the holder's duties (announcements, deletions; pruning when asked). */
  duties(prune: boolean): Promise<void>;
  /** A problem the admin should see; `badToken` when Telegram refused the token. */
  report(problem: string, badToken: boolean): void;
}

/**
 * What the node holding the Telegram lease does, and the heartbeat that decides whether it holds
 * it: renew (or try to take) the lease every `renewMs`; on taking it, poll (or register the webhook)
 * and run the duties; on losing it, stop both at once so two nodes never poll together.
 */
export class LeaseHolder {
  readonly #options: LeaseHolderOptions;
  #leader: AbortController | undefined;
  #tasks: Promise<void>[] = [];

  constructor(options: LeaseHolderOptions) {
    this.#options = options;
  }

  get holding(): boolean {
    return this.#leader !== undefined;
  }

  /** One heartbeat: renew or take the lease, and start or stop the holder's work to match. */
  async heartbeat(bot: Bot, config: GatewaySettings): Promise<void> {
    const { lease, logger } = this.#options;
    let held: boolean;
    try {
      held = this.#leader ? await lease.renew() : await lease.acquire();
    } catch (error) {
      // A renewal that failed (the database refused or was gone) is a lease this node can no longer
      // count on: another node may take it once it lapses, so the polling stops now, not then.
      if (this.#leader) {
        logger.warn('could not renew the Telegram lease: stopping at once');
        await this.stepDown(false);
      }
      throw error;
    }
    if (held && !this.#leader) this.#stepUp(bot, config);
    if (!held && this.#leader) {
      logger.warn('lost the Telegram lease: stopping at once');
      await this.stepDown(false);
    }
  }

  /** Stops the holder's work; `release` gives the lease up so another node need not wait for it to lapse. */
  async stepDown(release = true): Promise<void> {
    const leader = this.#leader;
    if (!leader) return;
    this.#leader = undefined;
    leader.abort();
    await Promise.allSettled(this.#tasks);
    this.#tasks = [];
    if (release) await this.#options.lease.release().catch(() => undefined);
  }

  #stepUp(bot: Bot, config: GatewaySettings): void {
    const leader = new AbortController();
    this.#leader = leader;
    this.#options.logger.info({ mode: config.mode }, 'this node holds the Telegram lease');
    this.#tasks = [
      config.mode === 'polling'
        ? this.#pollLoop(bot, config, leader.signal)
        : this.#registerWebhook(bot, config),
      this.#dutiesLoop(leader.signal),
    ];
  }

  async #pollLoop(bot: Bot, config: GatewaySettings, signal: AbortSignal): Promise<void> {
    const { lease, updates, timings, logger } = this.#options;
    // Telegram refuses getUpdates while a webhook is set (a switch back from webhook mode).
    await bot.api.deleteWebhook(undefined, grammySignal(signal)).catch(() => undefined);
    let backoff = config.pollIntervalMs;
    while (!signal.aborted) {
      try {
        await pollWhileLeader({
          api: bot.api,
          lease,
          updates,
          timeoutSeconds: timings.longPollTimeoutSeconds,
          handle: (update) => this.#options.handleUpdate(update),
          signal,
        });
        backoff = config.pollIntervalMs;
        // A lost lease ends the poll; the next heartbeat decides what happens.
        if (!signal.aborted) await sleep(timings.lease.renewMs, signal);
      } catch (error) {
        if (signal.aborted) return;
        const problem = describeTelegramError(error, config.token);
        if (isBadToken(error)) {
          this.#options.report(problem, true);
          logger.error({ reason: problem }, 'Telegram refused the bot token while polling');
          return;
        }
        this.#options.report(problem, false);
        logger.warn({ reason: problem, retryInMs: backoff }, 'a Telegram poll failed');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, timings.maxBackoffMs);
      }
    }
  }

  async #registerWebhook(bot: Bot, config: GatewaySettings): Promise<void> {
    const { logger } = this.#options;
    if (config.publicUrl === '') {
      const problem = 'webhook mode needs server.public_url (the address Telegram can reach Talon at)';
      this.#options.report(problem, false);
      logger.error(problem);
      return;
    }
    try {
      await bot.api.setWebhook(`${config.publicUrl}/webhooks/telegram`, {
        secret_token: config.webhookSecret,
        allowed_updates: [],
      });
    } catch (error) {
      const problem = `setWebhook: ${describeTelegramError(error, config.token)}`;
      this.#options.report(problem, false);
      logger.error({ reason: problem }, 'could not register the Telegram webhook');
    }
  }

  async #dutiesLoop(signal: AbortSignal): Promise<void> {
    let round = 0;
    while (!signal.aborted) {
      await this.#options
        .duties(round++ % PRUNE_EVERY_ROUNDS === 0)
        .catch((error: unknown) =>
          this.#options.logger.warn({ reason: (error as Error).message }, 'Telegram housekeeping failed'),
        );
      await sleep(this.#options.timings.dutiesIntervalMs, signal);
    }
  }
}
