import { guardedFetch, type LastResponse } from './guarded-fetch.ts';
import type { ProviderClient, ProviderConnection } from './provider-client.ts';

export interface Connected {
  client: ProviderClient;
  /** The last HTTP answer the client got (status, retry-after), for classifying a failure. */
  last: LastResponse;
}

/**
 * A client for one attempt: its own guarded fetch, bound to the attempt's signal. Each provider's
 * SDK is loaded the first time a provider of its kind is called (together they weigh ~25 MB of a
 * host's memory, which a Talon without that kind of provider never needs).
 */
export async function connect(connection: ProviderConnection, signal: AbortSignal): Promise<Connected> {
  const guarded = guardedFetch(connection.baseUrl, signal);
  let client: ProviderClient;
  if (connection.kind === 'anthropic') {
    client = (await import('./anthropic.ts')).anthropicClient(connection, guarded);
  } else if (connection.kind === 'gemini') {
    client = (await import('./gemini.ts')).geminiClient(connection, guarded);
  } else {
    client = (await import('./openai.ts')).openAiClient(connection, guarded);
  }
  return { client, last: guarded.last };
}
