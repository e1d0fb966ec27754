import type { LlmProviderKind, LlmUsage } from '../wire-types.ts';

export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** One request to one provider, in the router's terms; each client turns it into its API's shape. */
export interface ProviderCall {
  model: string;
  system: string | undefined;
  messages: readonly LlmMessage[];
  maxTokens: number;
  temperature: number | undefined;
  /** Ask for a JSON answer where the API can (OpenAI `response_format`, Gemini `responseMimeType`). */
  json: boolean;
  signal: AbortSignal;
}

export interface ProviderAnswer {
  text: string;
  /** The model that answered, as the provider named it. */
  model: string;
  usage: LlmUsage;
}

/** How to reach one provider: everything explicit, nothing read from the environment. */
export interface ProviderConnection {
  kind: LlmProviderKind;
  baseUrl: string;
  /** '' when the provider has no key (a local OpenAI-compatible server). */
  apiKey: string;
  timeoutMs: number;
}

export interface ProviderClient {
  complete(call: ProviderCall): Promise<ProviderAnswer>;
}

/** The address each kind uses when the owner leaves the base URL empty. */
export const DEFAULT_BASE_URLS: Readonly<Record<LlmProviderKind, string>> = {
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
  openai: 'https://api.openai.com/v1',
};
