/**
 * The fetch every SDK is given. The SDKs read their own environment variables in places no option
 * turns off (`OPENAI_CUSTOM_HEADERS`, `ANTHROPIC_CUSTOM_HEADERS`, base URL fallbacks), so what leaves
 * Talon is decided here: only the provider's own origin, only the headers an LLM API call needs. It
 * also remembers the last answer's status and `retry-after`, which the router needs whatever SDK
 * threw (not every SDK exposes the headers of an error).
 */

/** Headers an LLM API request may carry; anything else (an environment's custom headers) is dropped. */
const ALLOWED_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'content-type',
  'content-length',
  'user-agent',
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'x-goog-api-client',
  'anthropic-version',
  'idempotency-key',
]);
/** The SDKs' own telemetry headers (retry count, runtime, timeout): harmless, and expected by the APIs. */
const ALLOWED_PREFIX = 'x-stainless-';

export interface LastResponse {
  status: number | undefined;
  /** Milliseconds the provider asked to wait (`retry-after` in seconds or as an HTTP date). */
  retryAfterMs: number | undefined;
}

export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class ForeignOriginError extends Error {
  constructor(url: string, origin: string) {
    super(`refused to send an LLM request to ${new URL(url).origin}: the provider is ${origin}`);
  }
}

export interface GuardedFetch {
  fetch: typeof globalThis.fetch;
  last: LastResponse;
}

export function guardedFetch(baseUrl: string, signal: AbortSignal): GuardedFetch {
  const origin = new URL(baseUrl).origin;
  const last: LastResponse = { status: undefined, retryAfterMs: undefined };
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (new URL(request.url).origin !== origin) throw new ForeignOriginError(request.url, origin);
    const headers = new Headers();
    for (const [name, value] of request.headers) {
      const lower = name.toLowerCase();
      if (ALLOWED_HEADERS.has(lower) || lower.startsWith(ALLOWED_PREFIX)) headers.set(lower, value);
    }
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const response = await globalThis.fetch(request.url, {
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.any([signal, request.signal]),
      redirect: 'error',
    });
    last.status = response.status;
    last.retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return response;
  };
  return { fetch: fetchImpl as typeof globalThis.fetch, last };
}
