import { randomUUID } from 'node:crypto';
import {
  FakeLlmServer,
  header,
  isRecord,
  type FakeProtocol,
  type ReceivedRequest,
} from './fake-llm-server.ts';

/**
 * Anthropic's Messages API (https://docs.anthropic.com/en/api/messages): `POST /v1/messages` with
 * the key in `x-api-key` (or `Authorization: Bearer`), an `anthropic-version` header, and `{ model, max_tokens, messages, system?,
 * temperature? }`; answers a `message` object with `content` blocks and `usage`; errors are
 * `{ type: "error", error: { type, message } }` (429 `rate_limit_error`, 529 `overloaded_error`...).
 */
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function messagesOf(body: unknown): { role: string; content: unknown }[] | undefined {
  return isRecord(body) && Array.isArray(body['messages'])
    ? (body['messages'] as { role: string; content: unknown }[])
    : undefined;
}

const protocol: FakeProtocol = {
  check(request: ReceivedRequest, expectedKey) {
    if (request.method !== 'POST' || request.path !== '/v1/messages') {
      return { status: 404, message: `Not found: ${request.method} ${request.path}` };
    }
    // The key travels as `x-api-key`, or (SDK 1.x) as `Authorization: Bearer <key>`.
    const bearer = /^Bearer (.+)$/.exec(header(request, 'authorization') ?? '')?.[1];
    const key = header(request, 'x-api-key') ?? bearer;
    if (!key || (expectedKey !== undefined && key !== expectedKey)) {
      return { status: 401, message: 'invalid x-api-key' };
    }
    if (!header(request, 'anthropic-version'))
      return { status: 400, message: 'anthropic-version header is required' };
    const body = request.body;
    if (!isRecord(body)) return { status: 400, message: 'The request body is not valid JSON.' };
    if (typeof body['model'] !== 'string') return { status: 400, message: 'model: Field required' };
    if (typeof body['max_tokens'] !== 'number') return { status: 400, message: 'max_tokens: Field required' };
    const messages = messagesOf(body);
    if (!messages || messages.length === 0) return { status: 400, message: 'messages: Field required' };
    if (messages.some((message) => message.role !== 'user' && message.role !== 'assistant')) {
      return {
        status: 400,
        message: 'messages: roles must be user or assistant (system goes in the top-level system field)',
      };
    }
    return undefined;
  },
  promptText(request) {
    const body = request.body as Record<string, unknown>;
    const system = typeof body['system'] === 'string' ? body['system'] : '';
    return system + (messagesOf(body) ?? []).map((message) => String(message.content)).join('');
  },
  answer(request, reply) {
    const body = request.body as Record<string, unknown>;
    return {
      id: `msg_${randomUUID().replace(/-/g, '')}`,
      type: 'message',
      role: 'assistant',
      model: body['model'],
      content: [{ type: 'text', text: reply.text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: reply.inputTokens, output_tokens: reply.outputTokens },
    };
  },
  error(status, message) {
    return { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } };
  },
};

export async function startFakeAnthropic(expectedKey?: string): Promise<FakeLlmServer> {
  return new FakeLlmServer(protocol, expectedKey).start();
}
