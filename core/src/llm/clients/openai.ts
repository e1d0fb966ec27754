import OpenAI from 'openai';
import type { GuardedFetch } from './guarded-fetch.ts';
import type { ProviderAnswer, ProviderCall, ProviderClient, ProviderConnection } from './provider-client.ts';

/**
 * Placeholder key for an OpenAI-compatible server that takes none (Ollama, LM Studio): the SDK refuses
 * to start without one and would otherwise fall back to OPENAI_API_KEY — the owner's real OpenAI key
 * sent to some other server.
 */
export const NO_KEY_PLACEHOLDER = 'no-key';

/**
 * Any OpenAI-compatible chat completions endpoint (`POST {base}/chat/completions`). Every option the
 * SDK would otherwise read from the environment (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID,
 * OPENAI_PROJECT_ID, OPENAI_ADMIN_KEY, OPENAI_WEBHOOK_SECRET, OPENAI_LOG) is given explicitly.
 */
export function openAiClient(connection: ProviderConnection, guarded: GuardedFetch): ProviderClient {
  const sdk = new OpenAI({
    apiKey: connection.apiKey === '' ? NO_KEY_PLACEHOLDER : connection.apiKey,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    baseURL: connection.baseUrl,
    timeout: connection.timeoutMs,
    maxRetries: 0,
    logLevel: 'off',
    fetch: guarded.fetch,
  });
  return {
    async complete(call: ProviderCall): Promise<ProviderAnswer> {
      const completion = await sdk.chat.completions.create(
        {
          model: call.model,
          messages: [
            ...(call.system === undefined ? [] : [{ role: 'system' as const, content: call.system }]),
            ...call.messages.map((message) => ({ role: message.role, content: message.content })),
          ],
          max_tokens: call.maxTokens,
          ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
          ...(call.json ? { response_format: { type: 'json_object' as const } } : {}),
        },
        { signal: call.signal },
      );
      return {
        text: completion.choices[0]?.message.content ?? '',
        model: completion.model,
        usage: {
          inputTokens: completion.usage?.prompt_tokens ?? 0,
          outputTokens: completion.usage?.completion_tokens ?? 0,
        },
      };
    },
  };
}
