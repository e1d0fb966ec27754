import { jsonFromAnswer, JSON_INSTRUCTION } from '@talon/skill-runtime/api/llm-prompt.ts';
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import { LlmError } from './errors.ts';

export { JSON_INSTRUCTION };

/**
 * The model's answer as JSON (a fence around the whole answer taken off: `jsonFromAnswer`); anything
 * else is `llm_invalid_json`, naming the provider and showing the start of the answer.
 */
export function parseJsonAnswer(text: string, provider: string): JsonValue {
  const parsed = jsonFromAnswer(text);
  if ('value' in parsed) return parsed.value;
  throw new LlmError(
    'llm_invalid_json',
    `The answer of ${provider} is not JSON (the call asked for json: true): ${JSON.stringify(parsed.preview)}`,
  );
}
