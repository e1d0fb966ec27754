import { branch, defineSkill } from '@talon/plugins-sdk/skill';

type Config = { title?: string; html?: boolean };

/** Telegram takes 4,096 characters; this leaves room for the title and the truncation note. */
const MAX_CHARS = 4000;
const TRUNCATED = '\n… (truncated)';

function messageOf(input: unknown, title: string | undefined): string {
  const body = typeof input === 'string' ? input : JSON.stringify(input, null, 2);
  const text = title ? `${title}\n${body}` : body;
  return text.length > MAX_CHARS ? text.slice(0, MAX_CHARS - TRUNCATED.length) + TRUNCATED : text;
}

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const text = messageOf(input, config.title);
    if (text.trim() === '') return branch('on_error', { message: 'nothing to send: the input is empty' });
    try {
      await api.telegram.send(text, { html: config.html === true });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      return branch('on_error', { message: `${code}: ${(error as Error).message}` });
    }
    return branch('on_delivered', input);
  },
});
