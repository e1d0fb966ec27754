import { branch, defineSkill } from '@talon/plugins-sdk/skill';

type Tier = 'light' | 'medium' | 'heavy' | 'local';
type Config = { prompt: string; system?: string; tier?: Tier; maxTokens?: number; temperature?: number };

/** What `{input}` becomes in the prompt: a pointer to the input, which travels as fenced-off data. */
const INPUT_PLACEHOLDER = '{input}';
const INPUT_REFERENCE = '(the input: the untrusted content at the end of this message)';

/** The step's input as text: a string as it is, anything else as indented JSON. */
function inputText(input: unknown): string {
  if (typeof input === 'string') return input;
  return JSON.stringify(input ?? null, null, 2);
}

export default defineSkill<Config>({
  async run({ input, config, api }) {
    const content = inputText(input);
    if (content.trim() === '' || content === 'null') {
      return branch('on_error', { message: 'nothing to transform: the input is empty' });
    }
    // The input goes in `untrusted`: the host sanitizes it and fences it off between delimiters
    // carrying a random value drawn for this call, so it cannot pose as the prompt.
    const prompt = config.prompt.includes(INPUT_PLACEHOLDER)
      ? config.prompt.split(INPUT_PLACEHOLDER).join(INPUT_REFERENCE)
      : config.prompt;
    try {
      const answer = await api.llm.complete({
        prompt,
        untrusted: content,
        ...(config.system ? { system: config.system } : {}),
        ...(config.tier ? { tier: config.tier } : {}),
        ...(config.maxTokens ? { maxTokens: config.maxTokens } : {}),
        ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
      });
      await api.log.info('transformed', {
        provider: answer.provider,
        model: answer.model,
        outputTokens: answer.usage.outputTokens,
      });
      return answer.text;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      return branch('on_error', { message: `${code}: ${(error as Error).message}` });
    }
  },
});
