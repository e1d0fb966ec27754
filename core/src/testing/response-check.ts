import type { FastifyInstance, FastifyReply } from 'fastify';
import { TalonError } from '../errors.ts';

/**
 * A test-only guard on the response schemas: fast-json-stringify silently drops every field a schema
 * does not list (and coerces a value of the wrong type, `null` to `""`). Installed by the test app
 * factories, it compares what each handler produced with what was serialized and fails the request
 * when anything was lost, so every HTTP and browser test checks every schema it touches.
 */

/** A place in a response body, as a JSON pointer (`/dynamic/0/manifest`), and what happened there. */
export interface LostField {
  path: string;
  change: 'dropped' | 'changed';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every field of `produced` that is missing from `sent` or arrived with another value. */
export function lostFields(produced: unknown, sent: unknown, path = ''): LostField[] {
  if (Array.isArray(produced)) {
    if (!Array.isArray(sent) || sent.length !== produced.length)
      return [{ path: path || '/', change: 'changed' }];
    return produced.flatMap((item, index) => lostFields(item, sent[index], `${path}/${index}`));
  }
  if (isObject(produced)) {
    if (!isObject(sent)) return [{ path: path || '/', change: 'changed' }];
    return Object.entries(produced).flatMap(([key, value]) =>
      Object.hasOwn(sent, key)
        ? lostFields(value, sent[key], `${path}/${key}`)
        : [{ path: `${path}/${key}`, change: 'dropped' as const }],
    );
  }
  return Object.is(produced, sent) ? [] : [{ path: path || '/', change: 'changed' }];
}

export class ResponseSchemaMismatch extends TalonError {
  constructor(message: string) {
    super('response_schema_mismatch', message, 500);
  }
}

/** The handler's payload as JSON carries it (dates as strings, undefined fields gone), per reply. */
const produced = new WeakMap<FastifyReply, unknown>();

/** Installs the guard on the root instance, before any route or hook, so it covers every route. */
export function installResponseCheck(app: FastifyInstance): void {
  app.addHook('preSerialization', async (_request, reply, payload) => {
    try {
      produced.set(reply, JSON.parse(JSON.stringify(payload)) as unknown);
    } catch {
      // Not JSON at all (a BigInt, a cycle): the serializer itself will say so.
    }
    return payload;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!produced.has(reply)) return payload;
    const before = produced.get(reply);
    produced.delete(reply);
    if (typeof payload !== 'string') return payload;
    let after: unknown;
    try {
      after = JSON.parse(payload);
    } catch {
      after = undefined;
    }
    const lost = lostFields(before, after);
    if (lost.length === 0) return payload;
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const error = new ResponseSchemaMismatch(
      `The response schema of ${route} for ${reply.statusCode} lost what the handler sent: ` +
        lost.map(({ path, change }) => `${change} ${path}`).join(', '),
    );
    // Loud in the test log even when the test only looks at a status code.
    console.error(error);
    throw error;
  });
}
