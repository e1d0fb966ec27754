import { InputFile, type Api } from 'grammy';
import { TalonError } from '../errors.ts';
import type { OwnerChannel } from './dispatcher.ts';
import { splitReply } from './reply-splitter.ts';

/**
 * A file to send as a Telegram document: its bytes, already read or streamed from a file the caller
 * opened — never a path, which grammY would open itself.
 */
export interface OutgoingDocument {
  fileName: string;
  content: Uint8Array | AsyncIterable<Uint8Array>;
  /** Plain text under the file (Telegram: at most 1,024 characters). */
  caption?: string;
}

/**
 * The file name as grammY writes it into the upload (`filename=<this>`, verbatim): quoted, so a
 * name with spaces or non-ASCII letters reads the same to Telegram (which strips the quotes) and to
 * any RFC 7578 parser (which stops an unquoted name at a space). The few characters a quoted string
 * cannot carry, and Telegram would cut at (`;`), become `_`.
 */
function uploadFileName(name: string): string {
  return `"${name.replace(/["\\;\r\n]/g, '_')}"`;
}

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

  /** Uploads a document (multipart); Telegram refuses one over its limit for bots with 413. */
  async sendDocument(chatId: string, document: OutgoingDocument): Promise<void> {
    await this.#current().sendDocument(
      chatId,
      new InputFile(document.content, uploadFileName(document.fileName)),
      document.caption === undefined ? {} : { caption: document.caption },
    );
  }

  async delete(chatId: string, messageId: number): Promise<void> {
    await this.#current().deleteMessage(chatId, messageId);
  }
}
