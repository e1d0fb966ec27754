import { REPLY_MAX_PARTS, TELEGRAM_MESSAGE_MAX_CHARS } from './limits.ts';

/**
 * Splits a reply into Telegram-sized messages: on line boundaries where it can, a single longer
 * line cut at the limit. At most `maxParts` messages; whatever is left is replaced by a last line
 * saying how much more there was (AlexClaw sent everything, however long, in one failing call).
 */
export function splitReply(
  text: string,
  limit = TELEGRAM_MESSAGE_MAX_CHARS,
  maxParts = REPLY_MAX_PARTS,
): string[] {
  const chunks = chunkOnLines(text, limit);
  if (chunks.length <= maxParts) return chunks.length === 0 ? [''] : chunks;
  const kept = chunks.slice(0, maxParts);
  const shownChars = kept.reduce((sum, chunk) => sum + chunk.length, 0);
  let remaining = text.length - shownChars;
  // The notice must fit in the last part: take room from it, and count what that cut too.
  const notice = (more: number): string => `\n… (${more} more characters, see the admin)`;
  let last = kept[maxParts - 1]!;
  const room = limit - notice(text.length).length;
  if (last.length > room) {
    remaining += last.length - room;
    last = last.slice(0, room);
  }
  kept[maxParts - 1] = last + notice(remaining);
  return kept;
}

function chunkOnLines(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (candidate.length <= limit) {
      current = candidate;
      continue;
    }
    if (current !== '') chunks.push(current);
    // A line longer than the limit on its own is cut at the limit.
    let rest = line;
    while (rest.length > limit) {
      chunks.push(rest.slice(0, limit));
      rest = rest.slice(limit);
    }
    current = rest;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
