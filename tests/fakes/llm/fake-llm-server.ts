import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake does with the next request: scripted per test, in order. */
export type FakeReply =
  /** A normal answer; token counts default to ~4 characters a token. */
  | { answer: string; inputTokens?: number; outputTokens?: number; delayMs?: number }
  /** An error status in the provider's own error format (429 with `retryAfter` sets the header). */
  | { status: number; message?: string; retryAfter?: string; delayMs?: number }
  /** Accepts the request and never answers (a provider that hangs: the caller's timeout must fire). */
  | { hang: true };

/** A request as the fake received it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** What a provider's protocol module tells the server: how to read a request and shape answers. */
export interface FakeProtocol {
  /** Problems with the request as the real API would refuse it (status 400 or 401), or undefined. */
  check(
    request: ReceivedRequest,
    expectedKey: string | undefined,
  ): { status: number; message: string } | undefined;
  /** The text of everything the request sends the model (for default token counts). */
  promptText(request: ReceivedRequest): string;
  answer(
    request: ReceivedRequest,
    reply: { text: string; inputTokens: number; outputTokens: number },
  ): unknown;
  error(status: number, message: string): unknown;
}

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * A loopback HTTP server speaking one LLM provider's API: it checks requests as the provider does,
 * answers in its documented shapes, and plays the replies a test scripted (answers, 429 with
 * retry-after, 500s, slow answers, hangs). Unscripted requests get `defaultReply`.
 */
export class FakeLlmServer {
  readonly requests: ReceivedRequest[] = [];
  defaultReply: FakeReply = { answer: 'ok' };
  /** When set, a request without exactly this key is refused with 401. */
  expectedKey: string | undefined;
  readonly #server: Server;
  readonly #protocol: FakeProtocol;
  readonly #script: FakeReply[] = [];
  #url = '';

  constructor(protocol: FakeProtocol, expectedKey?: string) {
    this.#protocol = protocol;
    this.expectedKey = expectedKey;
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** http://127.0.0.1:<port> */
  get url(): string {
    return this.#url;
  }

  /** Replies for the next requests, in order. */
  script(...replies: FakeReply[]): this {
    this.#script.push(...replies);
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: the protocol check answers 400.
    }
    const received: ReceivedRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
      body,
    };
    this.requests.push(received);
    const refused = this.#protocol.check(received, this.expectedKey);
    if (refused)
      return this.#send(response, refused.status, this.#protocol.error(refused.status, refused.message));
    const reply = this.#script.shift() ?? this.defaultReply;
    if ('hang' in reply) return; // closeAllConnections ends it
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if ('status' in reply) {
      const headers: Record<string, string> =
        reply.retryAfter === undefined ? {} : { 'retry-after': reply.retryAfter };
      return this.#send(
        response,
        reply.status,
        this.#protocol.error(reply.status, reply.message ?? `scripted ${reply.status}`),
        headers,
      );
    }
    this.#send(
      response,
      200,
      this.#protocol.answer(received, {
        text: reply.answer,
        inputTokens: reply.inputTokens ?? estimateTokens(this.#protocol.promptText(received)),
        outputTokens: reply.outputTokens ?? estimateTokens(reply.answer),
      }),
    );
  }

  #send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (response.destroyed) return;
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  }
}

export function header(request: ReceivedRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
