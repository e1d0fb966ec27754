import { randomUUID } from 'node:crypto';
import { FakeLlmServer, header, isRecord, type FakeProtocol } from './fake-llm-server.ts';

/**
 * OpenAI's Chat Completions API (https://platform.openai.com/docs/api-reference/chat), as OpenAI,
 * Ollama, LM Studio, vLLM and OpenRouter serve it: `POST /v1/chat/completions` with
 * `Authorization: Bearer <key>` and `{ model, messages, max_tokens?, temperature?, response_format? }`;
 * answers a `chat.completion` with `choices[0].message.content` and `usage`; errors are
 * `{ error: { message, type, param, code } }`. With `response_format: json_object` OpenAI requires
 * the word "JSON" somewhere in the messages, and so does this fake.
 */
const protocol: FakeProtocol = {
  check(request, expectedKey) {
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return { status: 404, message: `Unknown request URL: ${request.method} ${request.path}` };
    }
    const auth = header(request, 'authorization');
    if (expectedKey !== undefined && auth !== `Bearer ${expectedKey}`) {
      return { status: 401, message: 'Incorrect API key provided.' };
    }
    const body = request.body;
    if (!isRecord(body)) return { status: 400, message: 'We could not parse the JSON body of your request.' };
    if (typeof body['model'] !== 'string')
      return { status: 400, message: 'you must provide a model parameter' };
    const messages = body['messages'];
    if (!Array.isArray(messages) || messages.length === 0) {
      return { status: 400, message: "'messages' must contain at least 1 item" };
    }
    const format = body['response_format'];
    if (
      isRecord(format) &&
      format['type'] === 'json_object' &&
      !JSON.stringify(messages).toLowerCase().includes('json')
    ) {
      return {
        status: 400,
        message:
          "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      };
    }
    return undefined;
  },
  promptText(request) {
    const messages = (request.body as Record<string, unknown>)['messages'] as { content: unknown }[];
    return messages.map((message) => String(message.content)).join('');
  },
  answer(request, reply) {
    const body = request.body as Record<string, unknown>;
    return {
      id: `chatcmpl-${randomUUID()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body['model'],
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.text, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: reply.inputTokens,
        completion_tokens: reply.outputTokens,
        total_tokens: reply.inputTokens + reply.outputTokens,
      },
    };
  },
  error(status, message) {
    const type =
      status === 429
        ? 'rate_limit_exceeded'
        : status === 401
          ? 'invalid_request_error'
          : status >= 500
            ? 'server_error'
            : 'invalid_request_error';
    return { error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : null } };
  },
};

export async function startFakeOpenAi(expectedKey?: string): Promise<FakeLlmServer> {
  return new FakeLlmServer(protocol, expectedKey).start();
}
