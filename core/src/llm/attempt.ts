import { connect } from './clients/connect.ts';
import type { ProviderAnswer, ProviderCall } from './clients/provider-client.ts';
import { classifyFailure, ProviderFailure } from './clients/provider-failure.ts';
import type { LlmProvider } from './provider-store.ts';

/**
 * One call to one provider, cut off after `timeoutMs`: its answer, or a ProviderFailure that says
 * what happened on the wire (status, retry-after, timeout, unreachable).
 */
export async function attemptProvider(
  provider: LlmProvider,
  apiKey: string,
  call: Omit<ProviderCall, 'signal' | 'model'>,
  timeoutMs: number,
): Promise<ProviderAnswer> {
  const controller = new AbortController();
  // The SDK is loaded before the clock starts: loading it is not the provider's time.
  const { client, last } = await connect(
    { kind: provider.kind, baseUrl: provider.baseUrl, apiKey, timeoutMs },
    controller.signal,
  );
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    return await client.complete({ ...call, model: provider.model, signal: controller.signal });
  } catch (error) {
    throw classifyFailure(error, last, timedOut, apiKey);
  } finally {
    clearTimeout(timer);
  }
}

/** Anthropic and Gemini cannot be called without a key (and the SDKs would look for one in the environment). */
export function missingKey(provider: LlmProvider, apiKey: string): ProviderFailure | undefined {
  if (apiKey !== '' || provider.kind === 'openai') return undefined;
  return new ProviderFailure('auth', `no API key is stored for ${provider.name}`);
}
