import {
  FakeLlmServer,
  header,
  isRecord,
  type FakeProtocol,
  type ReceivedRequest,
} from './fake-llm-server.ts';

/**
 * Google's Gemini API `generateContent` (https://ai.google.dev/api/generate-content):
 * `POST /v1beta/models/{model}:generateContent` with the key in `x-goog-api-key` and `{ contents:
 * [{ role, parts: [{ text }] }], systemInstruction?, generationConfig? }`; answers `{ candidates:
 * [{ content: { role: "model", parts } }], usageMetadata, modelVersion }`; errors are `{ error: { code,
 * message, status } }` (429 RESOURCE_EXHAUSTED, 500 INTERNAL...).
 */
const PATH = /^\/v1beta\/models\/([^/:]+):generateContent$/;
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

function texts(value: unknown): string {
  if (!isRecord(value) || !Array.isArray(value['parts'])) return '';
  return (value['parts'] as unknown[])
    .map((part) => (isRecord(part) ? String(part['text'] ?? '') : ''))
    .join('');
}

const protocol: FakeProtocol = {
  check(request: ReceivedRequest, expectedKey) {
    if (request.method !== 'POST' || !PATH.test(request.path.split('?')[0]!)) {
      return { status: 404, message: `Not found: ${request.method} ${request.path}` };
    }
    const key = header(request, 'x-goog-api-key');
    if (!key || (expectedKey !== undefined && key !== expectedKey)) {
      return { status: 401, message: 'API key not valid. Please pass a valid API key.' };
    }
    const body = request.body;
    if (!isRecord(body) || !Array.isArray(body['contents']) || body['contents'].length === 0) {
      return { status: 400, message: '* GenerateContentRequest.contents: contents is not specified' };
    }
    for (const content of body['contents'] as unknown[]) {
      if (!isRecord(content) || (content['role'] !== 'user' && content['role'] !== 'model')) {
        return { status: 400, message: 'Please use a valid role: user, model.' };
      }
    }
    return undefined;
  },
  promptText(request) {
    const body = request.body as Record<string, unknown>;
    return texts(body['systemInstruction']) + (body['contents'] as unknown[]).map(texts).join('');
  },
  answer(request, reply) {
    const model = PATH.exec(request.path.split('?')[0]!)![1]!;
    return {
      candidates: [
        { content: { parts: [{ text: reply.text }], role: 'model' }, finishReason: 'STOP', index: 0 },
      ],
      usageMetadata: {
        promptTokenCount: reply.inputTokens,
        candidatesTokenCount: reply.outputTokens,
        totalTokenCount: reply.inputTokens + reply.outputTokens,
      },
      modelVersion: model,
      responseId: `fake-${Date.now()}`,
    };
  },
  error(status, message) {
    return { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' } };
  },
};

export async function startFakeGemini(expectedKey?: string): Promise<FakeLlmServer> {
  return new FakeLlmServer(protocol, expectedKey).start();
}
