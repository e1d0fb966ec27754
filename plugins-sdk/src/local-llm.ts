/**
 * `llm.complete` on the author's machine: when the environment names a model, `talon-skill run` and
 * the test harness answer it from that model (any OpenAI-compatible endpoint: a local Ollama or
 * LM Studio, vLLM, OpenRouter, OpenAI itself), so an author can try an `llm` skill before loading
 * it into Talon. The request is checked and shaped as Talon's router shapes it (untrusted content
 * delimited with a random value per call, the JSON instruction); what Talon adds beyond that —
 * tiers and fallback between providers, budgets, the sanitizer's phrase list — needs a running Talon.
 */
import OpenAI from 'openai';
import type { LlmPort } from '@talon/skill-runtime/api/outside-services.ts';
import { delimitUntrusted, jsonFromAnswer, JSON_INSTRUCTION } from '@talon/skill-runtime/api/llm-prompt.ts';
import type { JsonObject, JsonValue } from '@talon/skill-runtime/contract/json.ts';

/** The environment variables that name the model of a local run. */
export const LOCAL_LLM_VARIABLES = {
  baseUrl: 'TALON_LLM_BASE_URL',
  model: 'TALON_LLM_MODEL',
  apiKey: 'TALON_LLM_API_KEY',
  timeoutSeconds: 'TALON_LLM_TIMEOUT_SECONDS',
} as const;

/** Talon's defaults (settings `llm.max_tokens_default`, `llm.max_tokens_per_call`, `llm.timeout_seconds`). */
const DEFAULT_MAX_TOKENS = 1024;
const MAX_TOKENS_PER_CALL = 8192;
const DEFAULT_TIMEOUT_SECONDS = 60;
/** A key the SDK needs to start; a local server that takes none ignores it. */
const NO_KEY = 'no-key';

/** A failure the skill sees with Talon's code for it. */
class LocalLlmError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

type Message = { role: 'user' | 'assistant'; content: string };

function invalid(message: string): LocalLlmError {
  return new LocalLlmError('llm_invalid_request', `Invalid LLM request: ${message}`);
}

function field<T>(
  request: JsonObject,
  name: string,
  check: (value: JsonValue) => value is T & JsonValue,
): T | undefined {
  const value = request[name];
  if (value === undefined) return undefined;
  if (!check(value)) throw invalid(`"${name}" has the wrong type`);
  return value;
}

const isString = (value: JsonValue): value is string => typeof value === 'string';
const isNumber = (value: JsonValue): value is number => typeof value === 'number' && Number.isFinite(value);
const isBoolean = (value: JsonValue): value is boolean => typeof value === 'boolean';

/** The request as the skill sent it, checked as Talon checks it (prompt or messages ending with the user). */
function messagesOf(request: JsonObject): Message[] {
  const prompt = field(request, 'prompt', isString);
  const messages = request['messages'];
  if ((prompt === undefined) === (messages === undefined))
    throw invalid('give either "prompt" or "messages"');
  if (prompt !== undefined) return [{ role: 'user', content: prompt }];
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('"messages" must be a non-empty list');
  const checked = messages.map((message) => {
    const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
    if ((role !== 'user' && role !== 'assistant') || typeof content !== 'string') {
      throw invalid('each message is { role: "user" | "assistant", content }');
    }
    return { role, content } as Message;
  });
  if (checked.at(-1)!.role !== 'user') throw invalid("the last message must be the user's");
  return checked;
}

/** The port of a local run's model, or undefined when the environment names none. */
export function localLlmFromEnvironment(
  environment: Readonly<Record<string, string | undefined>>,
): LlmPort | undefined {
  const baseUrl = environment[LOCAL_LLM_VARIABLES.baseUrl]?.trim();
  const model = environment[LOCAL_LLM_VARIABLES.model]?.trim();
  if (!baseUrl && !model) return undefined;
  if (!baseUrl || !model) {
    const missing = baseUrl ? LOCAL_LLM_VARIABLES.model : LOCAL_LLM_VARIABLES.baseUrl;
    return {
      complete: () =>
        Promise.reject(
          new LocalLlmError('not_available', `llm.complete: set ${missing} too to use a local model`),
        ),
    };
  }
  const timeoutSeconds = Number(environment[LOCAL_LLM_VARIABLES.timeoutSeconds] ?? DEFAULT_TIMEOUT_SECONDS);
  // Every option the SDK would read from the environment is given: OPENAI_* of the author's shell never apply.
  const client = new OpenAI({
    apiKey: environment[LOCAL_LLM_VARIABLES.apiKey] || NO_KEY,
    baseURL: baseUrl,
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    timeout:
      (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_TIMEOUT_SECONDS) *
      1000,
    maxRetries: 0,
    logLevel: 'off',
  });
  return {
    async complete(raw) {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        throw invalid('the request must be an object');
      const request = raw;
      const messages = messagesOf(request);
      const maxTokens = field(request, 'maxTokens', isNumber) ?? DEFAULT_MAX_TOKENS;
      if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > MAX_TOKENS_PER_CALL) {
        throw invalid(`maxTokens must be a whole number from 1 to ${MAX_TOKENS_PER_CALL}`);
      }
      const temperature = field(request, 'temperature', isNumber);
      const json = field(request, 'json', isBoolean) === true;
      const untrusted = field(request, 'untrusted', isString);
      let system = [field(request, 'system', isString), json ? JSON_INSTRUCTION : undefined]
        .filter(Boolean)
        .join('\n\n');
      if (untrusted !== undefined) {
        const block = delimitUntrusted(untrusted);
        const last = messages.at(-1)!;
        last.content = `${last.content}\n\n${block.text}`;
        system = [system, block.notice].filter(Boolean).join('\n\n');
      }
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create({
          model,
          messages: [...(system === '' ? [] : [{ role: 'system' as const, content: system }]), ...messages],
          max_tokens: maxTokens,
          ...(temperature === undefined ? {} : { temperature }),
          ...(json ? { response_format: { type: 'json_object' as const } } : {}),
        });
      } catch (error) {
        const status = (error as { status?: number }).status;
        const reason = error instanceof Error ? error.message : String(error);
        if (status === 401 || status === 403)
          throw new LocalLlmError('llm_auth_failed', `${baseUrl}: ${reason}`);
        if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
          throw new LocalLlmError('llm_request_rejected', `${baseUrl}: ${reason}`);
        }
        throw new LocalLlmError('llm_unavailable', `${baseUrl} could not answer: ${reason}`);
      }
      const text = completion.choices[0]?.message.content ?? '';
      const answer: JsonObject = {
        text,
        provider: 'local',
        model: completion.model || model,
        usage: {
          inputTokens: completion.usage?.prompt_tokens ?? 0,
          outputTokens: completion.usage?.completion_tokens ?? 0,
        },
      };
      if (json) {
        const parsed = jsonFromAnswer(text);
        if (!('value' in parsed)) {
          throw new LocalLlmError(
            'llm_invalid_json',
            `The answer of ${model} is not JSON: ${JSON.stringify(parsed.preview)}`,
          );
        }
        answer['json'] = parsed.value;
      }
      return answer;
    },
  };
}
