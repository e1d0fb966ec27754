import { branch, defineSkill } from '@talon/plugins-sdk/skill';

type Tier = 'light' | 'medium' | 'heavy' | 'local';
type Config = {
  system?: string;
  memoryTurns?: number;
  memoryMinutes?: number;
  tier?: Tier;
  maxTokens?: number;
};
type Message = { role: 'user' | 'assistant'; content: string };
type Memory = { at: number; messages: Message[] };

const DEFAULT_SYSTEM =
  'You are Talon, the personal assistant of the one person writing to you. Answer briefly and plainly, ' +
  'in the language they write in. Say so when you do not know.';
/** A remembered message is cut to this many characters, so the memory stays a small storage value. */
const MAX_REMEMBERED_CHARS = 2000;
const MAX_MESSAGE_CHARS = 8000;

function messageOf(input: unknown): { text: string; chat: string } | undefined {
  if (typeof input === 'string') return { text: input.trim(), chat: 'default' };
  const { text, chatId } = (input ?? {}) as { text?: unknown; chatId?: unknown };
  if (typeof text !== 'string') return undefined;
  const chat = typeof chatId === 'string' || typeof chatId === 'number' ? String(chatId) : 'default';
  return { text: text.trim(), chat };
}

function isMemory(value: unknown): value is Memory {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Memory).at === 'number' &&
    Array.isArray((value as Memory).messages)
  );
}

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const message = messageOf(input);
    if (!message || message.text === '') {
      return branch('on_error', { message: 'nothing to answer: the input must be a message text' });
    }
    const text = message.text.slice(0, MAX_MESSAGE_CHARS);
    const key = `memory:${message.chat}`;
    const now = Date.now();
    const stored = await api.storage.get(key);
    const fresh = isMemory(stored) && now - stored.at <= (config.memoryMinutes ?? 60) * 60_000;
    const history = fresh ? stored.messages : [];
    let reply: string;
    try {
      const answer = await api.llm.complete({
        system: config.system ?? DEFAULT_SYSTEM,
        messages: [...history, { role: 'user', content: text }],
        ...(config.tier ? { tier: config.tier } : {}),
        ...(config.maxTokens ? { maxTokens: config.maxTokens } : {}),
      });
      reply = answer.text.trim();
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      return branch('on_error', { message: `${code}: ${(error as Error).message}` });
    }
    const keep = (config.memoryTurns ?? 6) * 2;
    const messages: Message[] = [
      ...history,
      { role: 'user' as const, content: text.slice(0, MAX_REMEMBERED_CHARS) },
      { role: 'assistant' as const, content: reply.slice(0, MAX_REMEMBERED_CHARS) },
    ].slice(keep === 0 ? 2 : -keep);
    if (keep === 0) await api.storage.delete(key);
    else await api.storage.set(key, { at: now, messages });
    return reply === '' ? branch('on_error', { message: 'the model gave an empty answer' }) : reply;
  },
});
