import { errorMessage } from '../../errors.ts';
import type { LastResponse } from './guarded-fetch.ts';

/**
 * How one provider attempt failed. The first four let the router try the next provider; `auth` and
 * `rejected` are the owner's or the caller's to fix, so they end the call (reference issue 13).
 */
export type FailureKind = 'rate_limited' | 'server_error' | 'timeout' | 'unreachable' | 'auth' | 'rejected';

export const FALLBACK_KINDS: ReadonlySet<FailureKind> = new Set([
  'rate_limited',
  'server_error',
  'timeout',
  'unreachable',
]);

/** The longest provider error text kept (in a message, a step record, the log). */
const MAX_DETAIL_CHARS = 300;

export class ProviderFailure extends Error {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(kind: FailureKind, message: string, status?: number, retryAfterMs?: number) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }

  /** The short reason the attempt list shows: `http_429`, `timeout`, `unreachable`... */
  get reason(): string {
    return this.status === undefined ? this.kind : `http_${this.status}`;
  }
}

function kindOfStatus(status: number): FailureKind {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server_error';
  if (status === 401 || status === 403) return 'auth';
  return 'rejected';
}

/** The SDK's error text, capped, with the key taken out should a provider have echoed it. */
function detail(error: unknown, apiKey: string): string {
  let text = errorMessage(error);
  if (apiKey.length >= 8) text = text.split(apiKey).join('[key]');
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
}

/**
 * Classifies whatever an SDK threw by what actually happened on the wire (the guarded fetch saw the
 * status), so the three SDKs' different error classes need not be known here.
 */
export function classifyFailure(
  error: unknown,
  last: LastResponse,
  timedOut: boolean,
  apiKey: string,
): ProviderFailure {
  if (error instanceof ProviderFailure) return error;
  if (timedOut) return new ProviderFailure('timeout', 'the provider did not answer in time');
  const status = last.status !== undefined && last.status >= 400 ? last.status : undefined;
  if (status === undefined) {
    return new ProviderFailure('unreachable', `the provider could not be reached: ${detail(error, apiKey)}`);
  }
  return new ProviderFailure(
    kindOfStatus(status),
    `the provider answered ${status}: ${detail(error, apiKey)}`,
    status,
    status === 429 ? last.retryAfterMs : undefined,
  );
}
