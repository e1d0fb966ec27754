/**
 * The messages between the host and a sandbox worker process, over its framed channel (frames.ts).
 * A worker may hold several skills, each in an isolate of its own, named by a number the host gave.
 * Everything the host receives is checked with `parseWorkerMessage` before use: a worker that
 * escaped its isolate could send anything, so nothing here is trusted by shape alone.
 */

import { SANDBOX_LIMITS } from '../limits.ts';

/** The limits an isolate is created with, already clamped by the host. */
export interface IsolateLimits {
  memoryMb: number;
  cpuTimeoutMs: number;
  /** Largest JSON result (and thrown message) allowed to cross out of the isolate, in UTF-16 units. */
  resultMaxChars: number;
  /** API calls one run may make before the glue refuses locally (the host counts too). */
  apiCallsPerRun: number;
  /** API calls of one run that may wait on the host at the same time. */
  apiConcurrentPerRun: number;
  /** An error message is cut to this many characters inside the isolate and the worker. */
  errorMessageChars: number;
}

export type HostMessage =
  | { t: 'prepare'; glue: string; limits: IsolateLimits }
  | { t: 'load'; skill: number; code: string; glue: string; limits: IsolateLimits }
  | { t: 'unload'; skill: number }
  | { t: 'run'; run: number; skill: number; input: string; config: string }
  | { t: 'api_result'; run: number; call: number; envelope: string };

export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'loaded'; skill: number }
  | { t: 'load_failed'; skill: number; code: string; message: string }
  | { t: 'result'; run: number; ok: true; json: string }
  | { t: 'result'; run: number; ok: false; code: string; message: string }
  | { t: 'api'; run: number; call: number; method: string; args: string };

/** Error codes a worker may report for a run or a load; anything else is mapped to `crashed`. */
export const WORKER_ERROR_CODES = [
  'skill_error',
  'timeout',
  'memory_limit',
  'result_too_large',
  'invalid_result',
  'invalid_skill',
  'rate_limited',
] as const;
export type WorkerErrorCode = (typeof WORKER_ERROR_CODES)[number];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isBoundedString(value: unknown, max = SANDBOX_LIMITS.maxIpcStringChars): value is string {
  return typeof value === 'string' && value.length <= max;
}

function errorCode(value: unknown): WorkerErrorCode {
  return (WORKER_ERROR_CODES as readonly unknown[]).includes(value)
    ? (value as WorkerErrorCode)
    : 'skill_error';
}

/** Returns the message when it is well-formed, otherwise undefined (the caller treats that as a crash). */
export function parseWorkerMessage(raw: unknown): WorkerMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw['t']) {
    case 'ready':
      return { t: 'ready' };
    case 'loaded':
      return isCount(raw['skill']) ? { t: 'loaded', skill: raw['skill'] } : undefined;
    case 'load_failed':
      return isCount(raw['skill']) && isBoundedString(raw['message'], SANDBOX_LIMITS.maxIpcErrorChars)
        ? { t: 'load_failed', skill: raw['skill'], code: errorCode(raw['code']), message: raw['message'] }
        : undefined;
    case 'result':
      if (!isCount(raw['run'])) return undefined;
      if (raw['ok'] === true) {
        return isBoundedString(raw['json'])
          ? { t: 'result', run: raw['run'], ok: true, json: raw['json'] }
          : undefined;
      }
      return isBoundedString(raw['message'], SANDBOX_LIMITS.maxIpcErrorChars)
        ? { t: 'result', run: raw['run'], ok: false, code: errorCode(raw['code']), message: raw['message'] }
        : undefined;
    case 'api':
      return isCount(raw['run']) &&
        isCount(raw['call']) &&
        isBoundedString(raw['method'], 100) &&
        isBoundedString(raw['args'])
        ? { t: 'api', run: raw['run'], call: raw['call'], method: raw['method'], args: raw['args'] }
        : undefined;
    default:
      return undefined;
  }
}
