import type { Api } from 'grammy';
import { TalonError } from '../errors.ts';
import type { OwnerChannel } from './dispatcher.ts';
import { splitReply } from './reply-splitter.ts';

/** Plain text, no link previews: what a skill or a command prints cannot turn into markup or a card. */
const PLAIN = { link_preview_options: { is_disabled: true } } as const;

/**
 * Sends to Telegram through the current bot (none while the gateway is not connected). Replies
 * are plain text, split on line boundaries; HTML is only for text Talon sanitized itself.
 */
export class Outbound implements OwnerChannel {
  readonly #api: () => Api | undefined;

  constructor(api: () => Api | undefined) {
    this.#api = api;
  }

  #current(): Api {
    const api = this.#api();
    if (!api)
      throw new TalonError(
        'telegram_not_connected',
        'Telegram is not connected (see the Telegram screen of the admin)',
        503,
      );
    return api;
  }

  async send(chatId: string, text: string): Promise<void> {
    const api = this.#current();
    for (const part of splitReply(text)) await api.sendMessage(chatId, part, PLAIN);
  }

  async sendOnce(chatId: string, text: string): Promise<number | undefined> {
    const message = await this.#current().sendMessage(chatId, text, PLAIN);
    return message.message_id;
  }

  /** Sends HTML that `sanitizeSkillHtml` produced (never raw text from elsewhere). */
  async sendSanitizedHtml(chatId: string, html: string): Promise<void> {
    await this.#current().sendMessage(chatId, html, { ...PLAIN, parse_mode: 'HTML' });
  }

  async delete(chatId: string, messageId: number): Promise<void> {
    await this.#current().deleteMessage(chatId, messageId);
  }
}
