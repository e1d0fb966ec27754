import type { Message, Update } from 'grammy/types';
import { INCOMING_TEXT_MAX_CHARS } from './limits.ts';

/** What the gateway does with one update, decided before any handler sees it. */
export type UpdateVerdict =
  | { verdict: 'owner_text'; message: Message; text: string }
  /** From the owner but not something Talon reads (a photo, a sticker, an over-long text). */
  | { verdict: 'owner_unsupported'; what: string }
  /** Someone else, a group, or a channel: dropped with no reply; only the chat id is counted. */
  | { verdict: 'refused'; chatId: string; chatType: string }
  /** Edits, callback queries, member updates and anything unknown: dropped, counted. */
  | { verdict: 'ignored'; what: string };

/** Update fields Telegram may send; anything else is counted as `unknown`. */
const IGNORED_UPDATE_KINDS = [
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'callback_query',
  'inline_query',
  'chosen_inline_result',
  'my_chat_member',
  'chat_member',
  'chat_join_request',
  'message_reaction',
  'message_reaction_count',
  'poll',
  'poll_answer',
  'shipping_query',
  'pre_checkout_query',
  'business_message',
  'edited_business_message',
] as const;

/**
 * Owner only: a message is obeyed when its chat is private and both its chat id and its sender id
 * equal `telegram.chat_id`. An empty chat id obeys nobody (AlexClaw made the first chatter the
 * owner). A message from anyone else is refused without a reply and without reading its content.
 */
export function judgeUpdate(update: Update, ownerChatId: string): UpdateVerdict {
  const message = update.message;
  if (!message) {
    const kind = IGNORED_UPDATE_KINDS.find((field) => field in update) ?? 'unknown';
    return { verdict: 'ignored', what: kind };
  }
  const chatId = String(message.chat.id);
  const fromOwner =
    ownerChatId !== '' &&
    message.chat.type === 'private' &&
    chatId === ownerChatId &&
    message.from !== undefined &&
    String(message.from.id) === ownerChatId;
  if (!fromOwner) return { verdict: 'refused', chatId, chatType: message.chat.type };
  if (typeof message.text !== 'string') return { verdict: 'owner_unsupported', what: 'non_text' };
  if (message.text.length > INCOMING_TEXT_MAX_CHARS)
    return { verdict: 'owner_unsupported', what: 'too_long' };
  return { verdict: 'owner_text', message, text: message.text };
}
