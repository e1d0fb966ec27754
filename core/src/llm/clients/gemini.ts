import { GoogleGenAI } from '@google/genai';
import type { GuardedFetch } from './guarded-fetch.ts';
import type { ProviderAnswer, ProviderCall, ProviderClient, ProviderConnection } from './provider-client.ts';

/** The Gemini API version whose `generateContent` Talon speaks. */
export const GEMINI_API_VERSION = 'v1beta';

/**
 * Google's Gemini API (`POST {base}/v1beta/models/{model}:generateContent`). `vertexai: false` keeps
 * GOOGLE_GENAI_USE_VERTEXAI (and with it GOOGLE_CLOUD_PROJECT / LOCATION and application default
 * credentials) out; the key, base URL and API version are explicit, so GOOGLE_API_KEY, GEMINI_API_KEY,
 * GOOGLE_GEMINI_BASE_URL and GOOGLE_GENAI_API_VERSION are never read. The key must not be empty: the
 * SDK would take one from the environment (the router refuses a Gemini provider without a key).
 */
export function geminiClient(connection: ProviderConnection, guarded: GuardedFetch): ProviderClient {
  const sdk = new GoogleGenAI({
    vertexai: false,
    apiKey: connection.apiKey,
    apiVersion: GEMINI_API_VERSION,
    httpOptions: {
      baseUrl: connection.baseUrl,
      apiVersion: GEMINI_API_VERSION,
      timeout: connection.timeoutMs,
      fetch: guarded.fetch,
    },
  });
  return {
    async complete(call: ProviderCall): Promise<ProviderAnswer> {
      const response = await sdk.models.generateContent({
        model: call.model,
        contents: call.messages.map((message) => ({
          role: message.role === 'assistant' ? 'model' : 'user',
          parts: [{ text: message.content }],
        })),
        config: {
          maxOutputTokens: call.maxTokens,
          abortSignal: call.signal,
          ...(call.system === undefined ? {} : { systemInstruction: call.system }),
          ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
          ...(call.json ? { responseMimeType: 'application/json' } : {}),
        },
      });
      return {
        text: response.text ?? '',
        model: response.modelVersion ?? call.model,
        usage: {
          inputTokens: response.usageMetadata?.promptTokenCount ?? 0,
          outputTokens: response.usageMetadata?.candidatesTokenCount ?? 0,
        },
      };
    },
  };
}
