import { TalonError } from '../errors.ts';
import { SKILL_MESSAGE_MAX_CHARS, SKILL_SENDS_PER_MINUTE } from './limits.ts';
import type { SendWindow } from './send-window.ts';
import { sanitizeSkillHtml, visibleLength } from './telegram-html.ts';

/** How a skill's message reaches the owner: the gateway's outbound, to the owner's chat only. */
export interface OwnerSink {
  /** The owner's chat id, or '' when none is set. */
  ownerChatId(): string;
  sendPlain(chatId: string, text: string): Promise<void>;
  sendSanitizedHtml(chatId: string, html: string): Promise<void>;
}

export interface SkillSendOptions {
  /** Keep `<b> <i> <u> <s> <code> <pre>`; everything else (links included) is shown as text. */
  html?: boolean;
}

/**
 * The host side of the SkillAPI's `telegram.send`: a skill can write to the owner's chat and
 * nowhere else, at most `SKILL_MESSAGE_MAX_CHARS` characters a message and
 * `SKILL_SENDS_PER_MINUTE` messages a minute per skill across every node. Plain text by default;
 * with `html` only a few formatting tags survive, never a link. Errors are TalonErrors with a code
 * the skill sees (`invalid_argument`, `message_too_long`, `telegram_not_configured`, `rate_limited`).
 */
export class SkillTelegramSender {
  readonly #sink: OwnerSink;
  readonly #window: SendWindow;
  readonly #perMinute: number;

  constructor(sink: OwnerSink, window: SendWindow, perMinute = SKILL_SENDS_PER_MINUTE) {
    this.#sink = sink;
    this.#window = window;
    this.#perMinute = perMinute;
  }

  async sendForSkill(skill: string, text: string, options: SkillSendOptions = {}): Promise<void> {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new TalonError('invalid_argument', 'telegram.send needs a non-empty text', 400);
    }
    const html = options.html === true ? sanitizeSkillHtml(text) : undefined;
    const length = html === undefined ? text.length : visibleLength(html);
    if (
      length > SKILL_MESSAGE_MAX_CHARS ||
      (html !== undefined && html.length > SKILL_MESSAGE_MAX_CHARS * 2)
    ) {
      throw new TalonError(
        'message_too_long',
        `telegram.send takes at most ${SKILL_MESSAGE_MAX_CHARS} characters (got ${length}): shorten or split it`,
        400,
      );
    }
    const chatId = this.#sink.ownerChatId();
    if (chatId === '') {
      throw new TalonError(
        'telegram_not_configured',
        'Telegram is not configured (no bot token or chat id)',
        503,
      );
    }
    if (!(await this.#window.take(`skill:${skill}`, this.#perMinute))) {
      throw new TalonError(
        'rate_limited',
        `${skill} may send at most ${this.#perMinute} Telegram messages a minute: try again later`,
        429,
      );
    }
    if (html === undefined) await this.#sink.sendPlain(chatId, text);
    else await this.#sink.sendSanitizedHtml(chatId, html);
  }
}
