import { anthropicClient } from './anthropic.ts';
import { geminiClient } from './gemini.ts';
import { guardedFetch, type LastResponse } from './guarded-fetch.ts';
import { openAiClient } from './openai.ts';
import type { ProviderClient, ProviderConnection } from './provider-client.ts';

export interface Connected {
  client: ProviderClient;
  /** The last HTTP answer the client got (status, retry-after), for classifying a failure. */
  last: LastResponse;
}

/** A client for one attempt: its own guarded fetch, bound to the attempt's signal. */
export function connect(connection: ProviderConnection, signal: AbortSignal): Connected {
  const guarded = guardedFetch(connection.baseUrl, signal);
  const client =
    connection.kind === 'anthropic'
      ? anthropicClient(connection, guarded)
      : connection.kind === 'gemini'
        ? geminiClient(connection, guarded)
        : openAiClient(connection, guarded);
  return { client, last: guarded.last };
}
