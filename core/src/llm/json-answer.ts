import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import { LlmError } from './errors.ts';

/** The instruction added to the system prompt of a `json: true` call (every API gets it; some also get a JSON mode). */
export const JSON_INSTRUCTION = 'Answer with a single JSON value and nothing else: no prose, no code fences.';

/**
 * The model's answer as JSON. Models often wrap JSON in a Markdown code fence even when told not to;
 * one fence around the whole answer is taken off. Anything else that does not parse is
 * `llm_invalid_json`, naming the provider and showing the start of the answer.
 */
export function parseJsonAnswer(text: string, provider: string): JsonValue {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n?([\s\S]*?)\n?```$/i.exec(trimmed);
  const candidate = fenced ? fenced[1]!.trim() : trimmed;
  try {
    return JSON.parse(candidate) as JsonValue;
  } catch {
    const preview = trimmed.length > 120 ? `${trimmed.slice(0, 120)}…` : trimmed;
    throw new LlmError(
      'llm_invalid_json',
      `The answer of ${provider} is not JSON (the call asked for json: true): ${JSON.stringify(preview)}`,
    );
  }
}
