import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { JsonValue } from '../contract/runtime-contract.ts';
import { HEADER_NAME_PATTERN, RESERVED_HEADERS } from '../contract/secret-bindings.ts';
import type { SecretResolver } from '../ports.ts';
import { HTTP_LIMITS, type HttpLimits } from '../limits.ts';
import { SkillApiError } from './api-error.ts';
import { optionalObject, requireArity, requireString } from './arguments.ts';
import type { HostFunction } from './call-context.ts';
import { assertRedirectKeepsSecret, boundSecret, scrub, withSecret } from './http-secret.ts';
import {
  checkDestination,
  isNonPublicAddress,
  type DestinationClearance,
  type NetworkPolicy,
} from './net-policy.ts';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
const HEADER_NAME = new RegExp(HEADER_NAME_PATTERN);

interface PreparedRequest {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
}

/** A DNS lookup that refuses non-public answers, so the address checked is the one connected to. */
function guardedLookup(clearance: DestinationClearance): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const usable = addresses.filter(
        (entry) => clearance.privateAddresses || !isNonPublicAddress(entry.address),
      );
      if (usable.length === 0) {
        const refused = new SkillApiError(
          'host_not_allowed',
          `http.fetch: ${hostname} resolves to a private address`,
        );
        return callback(refused as NodeJS.ErrnoException, '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      return callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

function prepare(raw: { [key: string]: JsonValue } | undefined, limits: HttpLimits): PreparedRequest {
  const request = raw ?? {};
  const method = request['method'] === undefined ? 'GET' : String(request['method']).toUpperCase();
  if (!METHODS.has(method))
    throw new SkillApiError(
      'invalid_argument',
      `http.fetch: method must be one of ${[...METHODS].join(', ')}`,
    );
  const headers: Record<string, string> = {};
  const given = optionalObject('http.fetch', 'headers', request['headers']) ?? {};
  if (Object.keys(given).length > limits.maxHeaders)
    throw new SkillApiError('invalid_argument', `http.fetch: at most ${limits.maxHeaders} headers`);
  for (const [name, value] of Object.entries(given)) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new SkillApiError('invalid_argument', `http.fetch: header "${name.slice(0, 100)}" cannot be set`);
    }
    const text = requireString('http.fetch', `header ${name}`, value, limits.maxHeaderValueChars);
    if (/[\r\n\0]/.test(text))
      throw new SkillApiError('invalid_argument', `http.fetch: header ${name} has control characters`);
    headers[name.toLowerCase()] = text;
  }
  let body: string | undefined;
  if (request['body'] !== undefined && request['body'] !== null) {
    body = typeof request['body'] === 'string' ? request['body'] : JSON.stringify(request['body']);
    if (typeof request['body'] !== 'string') headers['content-type'] ??= 'application/json';
    if (Buffer.byteLength(body) > limits.maxRequestBytes) {
      throw new SkillApiError(
        'too_large',
        `http.fetch: the body may be at most ${limits.maxRequestBytes} bytes`,
      );
    }
  }
  const timeout = request['timeoutMs'] ?? limits.defaultTimeoutMs;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new SkillApiError('invalid_argument', 'http.fetch: timeoutMs must be a positive number');
  }
  return {
    method,
    headers,
    body,
    timeoutMs: Math.min(timeout, limits.maxTimeoutMs),
  };
}

/** A request that did not complete within its one deadline (every redirect hop and the body included). */
function timedOut(prepared: PreparedRequest): SkillApiError {
  return new SkillApiError('timeout', `http.fetch: no complete answer within ${prepared.timeoutMs} ms`);
}

function send(
  url: URL,
  headers: Record<string, string>,
  prepared: PreparedRequest,
  clearance: DestinationClearance,
  limits: HttpLimits,
  deadline: number,
): Promise<{ response: IncomingMessage; body: Buffer }> {
  const remainingMs = deadline - performance.now();
  if (remainingMs <= 0) return Promise.reject(timedOut(prepared));
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method: prepared.method,
      headers,
      lookup: guardedLookup(clearance),
      agent: false,
    });
    const timer = setTimeout(() => request.destroy(timedOut(prepared)), remainingMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(
        error instanceof SkillApiError
          ? error
          : new SkillApiError('upstream_error', `http.fetch: ${url.host}: ${error.message}`),
      );
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      response.on('data', (chunk: Buffer) => {
        if (refused) return;
        size += chunk.length;
        if (size > limits.maxResponseBytes) {
          refused = true;
          clearTimeout(timer);
          request.destroy();
          reject(
            new SkillApiError(
              'too_large',
              `http.fetch: the response is larger than ${limits.maxResponseBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(timer);
        if (!refused) resolve({ response, body: Buffer.concat(chunks) });
      });
      response.on('error', (error) => request.destroy(error));
    });
    request.end(prepared.body);
  });
}

/**
 * `http.fetch(url, request?)`: through the host only, to hosts on the allowlist, https unless the
 * owner allows http, never to private addresses unless allowed, every redirect checked again, the
 * bound secret sent only where its approved binding says and scrubbed from whatever comes back,
 * one deadline and a size cap for the whole request.
 */
export function httpFetch(
  secrets: SecretResolver,
  networkPolicy: NetworkPolicy | (() => NetworkPolicy),
  limits: HttpLimits = HTTP_LIMITS,
): HostFunction {
  return async (context, args, call) => {
    requireArity('http.fetch', args, 2);
    // Read once per call: the owner's opt-in applies from the next call, and every hop of one
    // call (redirects included) is judged by the same policy.
    const policy = typeof networkPolicy === 'function' ? networkPolicy() : networkPolicy;
    const href = requireString('http.fetch', 'url', args[0], limits.maxUrlChars);
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      throw new SkillApiError('invalid_argument', 'http.fetch: url is not a valid absolute URL');
    }
    const request = optionalObject('http.fetch', 'request', args[1]);
    const prepared = prepare(request, limits);
    checkDestination(url, context.grants.net, policy);
    const secret = boundSecret(context, request?.['secret'], url, secrets);
    const origin = url.origin;
    const deadline = performance.now() + prepared.timeoutMs;
    let removed = 0;
    const clean = (text: string): string => {
      const scrubbed = scrub(secret, text);
      removed += scrubbed.found;
      return scrubbed.text;
    };
    try {
      for (let hop = 0; ; hop++) {
        const clearance = checkDestination(url, context.grants.net, policy);
        const carried = withSecret(secret, url, prepared.headers, url.origin === origin);
        const { response, body } = await send(
          carried.url,
          carried.headers,
          prepared,
          clearance,
          limits,
          deadline,
        );
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && status !== 304 && location) {
          if (hop >= limits.maxRedirects)
            throw new SkillApiError(
              'upstream_error',
              `http.fetch: more than ${limits.maxRedirects} redirects`,
            );
          url = new URL(location, url);
          assertRedirectKeepsSecret(secret, url);
          if (status === 303 || ((status === 301 || status === 302) && prepared.method === 'POST')) {
            prepared.method = 'GET';
            prepared.body = undefined;
          }
          continue;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headers[name] = clean(Array.isArray(value) ? value.join(', ') : value);
        }
        return { status, headers, body: clean(body.toString('utf8')) };
      }
    } catch (error) {
      // An error message may quote what the server or the URL held: scrubbed like an answer.
      if (error instanceof SkillApiError) throw new SkillApiError(error.code, clean(error.message));
      throw error;
    } finally {
      if (removed > 0 && secret) call?.redacted(secret.binding.handle, removed);
    }
  };
}
