import Anthropic from '@anthropic-ai/sdk';
import type { GuardedFetch } from './guarded-fetch.ts';
import type { ProviderAnswer, ProviderCall, ProviderClient, ProviderConnection } from './provider-client.ts';

/**
 * Anthropic's Messages API (`POST /v1/messages`). Every option the SDK would otherwise take from the
 * environment is given: the key, `authToken: null` (not ANTHROPIC_AUTH_TOKEN), the base URL,
 * `webhookKey: null`, the log level; retries are the router's job (`maxRetries: 0`).
 */
export function anthropicClient(connection: ProviderConnection, guarded: GuardedFetch): ProviderClient {
  const sdk = new Anthropic({
    apiKey: connection.apiKey,
    authToken: null,
    webhookKey: null,
    baseURL: connection.baseUrl,
    timeout: connection.timeoutMs,
    maxRetries: 0,
    logLevel: 'off',
    fetch: guarded.fetch,
  });
  return {
    async complete(call: ProviderCall): Promise<ProviderAnswer> {
      const message = await sdk.messages.create(
        {
          model: call.model,
          max_tokens: call.maxTokens,
          messages: call.messages.map((message) => ({ role: message.role, content: message.content })),
          ...(call.system === undefined ? {} : { system: call.system }),
          ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
        },
        { signal: call.signal },
      );
      const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
      return {
        text,
        model: message.model,
        usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
      };
    },
  };
}
