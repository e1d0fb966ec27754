/**
 * The core's client of the sidecar's HTTP API (sidecar-automator/README.md, "API"): every request
 * carries the bearer token; the sidecar's `{error, message}` answers become TalonErrors with its
 * code. Plain `node:http(s)` rather than fetch, whose built-in 300 s header timeout would cut a
 * long replay short.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type {
  ErrorBody,
  RecordingResult,
  RecordingView,
  ReplayResult,
  StorageState,
} from '@talon/sidecar-automator';
import type { Recipe } from '@talon/skill-runtime/recipes/index.ts';
import { errorMessage, TalonError } from '../errors.ts';
import { SIDECAR_REQUEST_TIMEOUT_MS, SIDECAR_STOP_RECORDING_TIMEOUT_MS } from './limits.ts';

/** Where the sidecar is and the token it wants, read at each request (settings and restarts change them). */
export interface SidecarEndpoint {
  /** e.g. http://127.0.0.1:6900 (no trailing slash). */
  url: string;
  token: string;
}

export type StoppedRecording = RecordingResult & { recording: RecordingView };

export interface ReplayRequestBody {
  recipe: Recipe;
  secrets: Record<string, string>;
  parameters: Record<string, string>;
  storageState?: StorageState;
  returnStorageState: boolean;
  timeoutMs: number;
}

export class SidecarUnavailableError extends TalonError {
  constructor(message: string) {
    super('sidecar_unavailable', message, 503);
  }
}

/** The sidecar's answer to a file: too large for what the core keeps. */
export class SidecarFileTooLargeError extends TalonError {
  constructor(name: string, maxBytes: number) {
    super('download_too_large', `${name} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`, 413);
  }
}

interface Raw {
  status: number;
  body: string;
}

/** Only codes a caller can act on pass through; anything else is the sidecar's fault, a 502. */
function statusFor(sidecarStatus: number): number {
  if ([400, 404, 409, 413, 429].includes(sidecarStatus)) return sidecarStatus;
  if (sidecarStatus === 502 || sidecarStatus === 503) return sidecarStatus;
  return 502;
}

function errorOf(raw: Raw, what: string): TalonError {
  if (raw.status === 401) {
    return new TalonError(
      'sidecar_token_refused',
      "The browser sidecar refused Talon's token: web_automator.token is not the sidecar's token",
      502,
    );
  }
  let body: Partial<ErrorBody> = {};
  try {
    body = JSON.parse(raw.body) as Partial<ErrorBody>;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const code =
    typeof body.error === 'string' && /^[a-z][a-z0-9_]{1,63}$/.test(body.error)
      ? body.error
      : 'sidecar_error';
  const message =
    typeof body.message === 'string' && body.message !== ''
      ? body.message.slice(0, 2_000)
      : `The browser sidecar answered ${raw.status} to ${what}`;
  return new TalonError(code, message, statusFor(raw.status));
}

export class SidecarClient {
  readonly #endpoint: () => Promise<SidecarEndpoint>;

  /** `endpoint` is asked at every request: a restart or a settings change moves the sidecar. */
  constructor(endpoint: () => Promise<SidecarEndpoint>) {
    this.#endpoint = endpoint;
  }

  /** The sidecar's address and the headers a WebSocket to it needs (the live-view proxy uses them). */
  async liveViewTarget(recordingId: string): Promise<{ url: string; headers: Record<string, string> }> {
    const { url, token } = await this.#endpoint();
    const target = new URL(`/recordings/${encodeURIComponent(recordingId)}/vnc`, url);
    target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
    return { url: target.href, headers: { authorization: `Bearer ${token}` } };
  }

  async #open(
    method: string,
    path: string,
    options: { body?: unknown; timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<IncomingMessage> {
    const { url, token } = await this.#endpoint();
    const target = new URL(path, url);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        target,
        {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
          timeout: options.timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
        },
        resolve,
      );
      request.on('timeout', () =>
        request.destroy(
          new SidecarUnavailableError(`The browser sidecar did not answer ${method} ${path} in time`),
        ),
      );
      request.on('error', (error) => {
        if (error instanceof TalonError) return reject(error);
        if (options.signal?.aborted) {
          return reject(new TalonError('cancelled', 'The replay was cancelled', 409));
        }
        reject(
          new SidecarUnavailableError(
            `The browser sidecar at ${url} cannot be reached (${errorMessage(error)}): is web_automator.enabled on and the sidecar running?`,
          ),
        );
      });
      request.end(payload);
    });
  }

  async #json<T>(
    method: string,
    path: string,
    options: { body?: unknown; timeoutMs?: number; signal?: AbortSignal | undefined } = {},
  ): Promise<{ status: number; body: T }> {
    const response = await this.#open(method, path, {
      ...options,
      timeoutMs: options.timeoutMs ?? SIDECAR_REQUEST_TIMEOUT_MS,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const raw = { status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
    if (raw.status < 200 || raw.status >= 300) throw errorOf(raw, `${method} ${path}`);
    return { status: raw.status, body: (raw.status === 204 ? undefined : JSON.parse(raw.body)) as T };
  }

  async health(): Promise<{ status: string; version: string; isolation: string }> {
    return (await this.#json<{ status: string; version: string; isolation: string }>('GET', '/health')).body;
  }

  async startRecording(request: { url: string; name?: string }): Promise<RecordingView> {
    return (await this.#json<RecordingView>('POST', '/recordings', { body: request })).body;
  }

  async recordings(): Promise<RecordingView[]> {
    return (await this.#json<{ recordings: RecordingView[] }>('GET', '/recordings')).body.recordings;
  }

  async stopRecording(id: string): Promise<StoppedRecording> {
    return (
      await this.#json<StoppedRecording>('POST', `/recordings/${encodeURIComponent(id)}/stop`, {
        timeoutMs: SIDECAR_STOP_RECORDING_TIMEOUT_MS,
      })
    ).body;
  }

  async discardRecording(id: string): Promise<void> {
    await this.#json('DELETE', `/recordings/${encodeURIComponent(id)}`);
  }

  /** Runs a replay; closing the request (the signal) cancels it on the sidecar. */
  async replay(body: ReplayRequestBody, signal?: AbortSignal): Promise<ReplayResult> {
    return (
      await this.#json<ReplayResult>('POST', '/replays', {
        body,
        // The sidecar ends the replay at timeoutMs; this only catches a sidecar that never answers.
        timeoutMs: body.timeoutMs + SIDECAR_REQUEST_TIMEOUT_MS,
        signal,
      })
    ).body;
  }

  /**
   * Copies a file the sidecar kept (`url` as its answer gave it, `/files/<run>/<name>`) to
   * `destination`, refusing it past `maxBytes` (the partial file is removed).
   */
  async copyFile(url: string, destination: string, name: string, maxBytes: number): Promise<number> {
    if (!/^\/files\/[^/]+\/[^/]+$/.test(url)) {
      throw new TalonError(
        'sidecar_error',
        `The browser sidecar named an unexpected file path for ${name}`,
        502,
      );
    }
    const response = await this.#open('GET', url, { timeoutMs: SIDECAR_REQUEST_TIMEOUT_MS });
    if (response.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      throw errorOf(
        { status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') },
        `GET ${url}`,
      );
    }
    let bytes = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > maxBytes) return callback(new SidecarFileTooLargeError(name, maxBytes));
        callback(null, chunk);
      },
    });
    try {
      await pipeline(response, cap, createWriteStream(destination, { mode: 0o600, flags: 'wx' }));
    } catch (error) {
      await rm(destination, { force: true });
      throw error;
    }
    return bytes;
  }

  /** Deletes a run's files on the sidecar (after the core copied what it keeps); a run already gone is fine. */
  async deleteRun(runId: string): Promise<void> {
    try {
      await this.#json('DELETE', `/files/${encodeURIComponent(runId)}`);
    } catch (error) {
      if ((error as TalonError).code !== 'run_not_found') throw error;
    }
  }
}
