import { randomBytes } from 'node:crypto';
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { Outbound } from './outbound.ts';
import { judgeUpdate } from './owner-filter.ts';
import type { RefusedChats } from './refused-chats.ts';

/**
 * One update, from the poller or the webhook, after its id was recorded: the owner's text goes to
 * the bot's middleware (the dispatcher), a refused chat is counted without a reply, anything else
 * is dropped and counted. A handler that throws is answered with an error id; nothing stops the gateway.
 */
export class UpdateRouter {
  readonly #options: UpdateRouterOptions;
  readonly #dropped: Record<string, number> = {};

  constructor(options: UpdateRouterOptions) {
    this.#options = options;
  }

  count(what: string): void {
    this.#dropped[what] = (this.#dropped[what] ?? 0) + 1;
  }

  /** Updates dropped without a handler since this node started, by kind. */
  dropped(): Record<string, number> {
    return { ...this.#dropped };
  }

  async handle(update: Update): Promise<void> {
    const { outbound, logger } = this.#options;
    const ownerChatId = this.#options.ownerChatId();
    const verdict = judgeUpdate(update, ownerChatId);
    switch (verdict.verdict) {
      case 'refused':
        this.count('refused');
        return this.#options.refused.record(verdict.chatId, verdict.chatType);
      case 'ignored':
        this.count(verdict.what);
        return;
      case 'owner_unsupported':
        this.count(verdict.what);
        await outbound
          .send(
            ownerChatId,
            verdict.what === 'too_long'
              ? 'That message is too long for me to read.'
              : 'I read text messages only: /help lists the commands.',
          )
          .catch(() => undefined);
        return;
      case 'owner_text': {
        const bot = this.#options.bot();
        if (!bot) return;
        try {
          await bot.handleUpdate(update);
        } catch (error) {
          const errorId = randomBytes(4).toString('hex');
          logger.error({ errorId, reason: errorMessage(error) }, 'a Telegram update failed');
          await outbound
            .send(ownerChatId, `Something went wrong (error id ${errorId}).`)
            .catch(() => undefined);
        }
      }
    }
  }
}

export interface UpdateRouterOptions {
  ownerChatId: () => string;
  bot: () => Bot | undefined;
  refused: RefusedChats;
  outbound: Outbound;
  logger: Logger;
}
