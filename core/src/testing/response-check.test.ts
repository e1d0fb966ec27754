import Fastify from 'fastify';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { errorResponses } from '../server/error-schema.ts';
import { installErrorHandler } from '../server/error-handler.ts';
import { installResponseCheck, lostFields } from './response-check.ts';

const app = Fastify();
installResponseCheck(app);
installErrorHandler(app);

const itemSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string' }, note: { type: 'string' } },
} as const;

// The same body under three schemas: one that lists every field, one that forgets `tags`, one
// that calls a nullable field a plain string (fast-json-stringify turns the null into "").
const body = { name: 'echo', note: null, tags: ['a'], when: new Date(0) };
const complete = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    note: { type: ['string', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
    when: { type: 'string' },
  },
} as const;
const withoutTags = {
  ...complete,
  properties: {
    name: complete.properties.name,
    note: complete.properties.note,
    when: complete.properties.when,
  },
} as const;
const noteNotNullable = {
  ...complete,
  properties: { ...complete.properties, note: { type: 'string' } },
} as const;

app.get('/complete', { schema: { response: { 200: complete, ...errorResponses } } }, async () => body);
app.get('/without-tags', { schema: { response: { 200: withoutTags, ...errorResponses } } }, async () => body);
app.get('/note-not-nullable', { schema: { response: { 200: noteNotNullable } } }, async () => body);
app.get('/items/:id', { schema: { response: { 200: { type: 'array', items: itemSchema } } } }, async () => [
  { name: 'a' },
  { name: 'b', extra: 1 },
]);
app.get('/no-schema', async () => ({ anything: [1, 2, 3] }));
app.get('/text', async (_request, reply) => reply.type('text/plain').send('plain words'));

afterAll(() => app.close());

describe('the response check', () => {
  // The check reports on stderr too, so a test that only looks at the status still shows why.
  const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);

  it('lets through a response whose schema lists every field (dates become strings, as JSON has them)', async () => {
    const response = await app.inject({ method: 'GET', url: '/complete' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      name: 'echo',
      note: null,
      tags: ['a'],
      when: '1970-01-01T00:00:00.000Z',
    });
  });

  it('fails the request with a 500 naming the route and the dropped field', async () => {
    stderr.mockClear();
    const response = await app.inject({ method: 'GET', url: '/without-tags' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: 'response_schema_mismatch',
      message: 'The response schema of GET /without-tags for 200 lost what the handler sent: dropped /tags',
    });
    expect(stderr).toHaveBeenCalledTimes(1);
  });

  it('names a field inside an array by its index, with the route pattern', async () => {
    const response = await app.inject({ method: 'GET', url: '/items/7' });
    expect(response.statusCode).toBe(500);
    expect(response.json().message).toBe(
      'The response schema of GET /items/:id for 200 lost what the handler sent: dropped /1/extra',
    );
  });

  it('catches a value the serializer changed (null coerced to "")', async () => {
    const response = await app.inject({ method: 'GET', url: '/note-not-nullable' });
    expect(response.statusCode).toBe(500);
    expect(response.json().message).toContain('changed /note');
  });

  it('leaves routes without a schema, and bodies that are not JSON, as they are', async () => {
    const plain = await app.inject({ method: 'GET', url: '/no-schema' });
    expect(plain.json()).toEqual({ anything: [1, 2, 3] });
    const text = await app.inject({ method: 'GET', url: '/text' });
    expect(text.body).toBe('plain words');
  });
});

describe('lostFields', () => {
  it('lists each missing or changed place once, by JSON pointer', () => {
    expect(
      lostFields({ a: 1, b: { c: [1, { d: 2 }], e: 'x' }, f: true }, { a: 1, b: { c: [1, {}], e: 'y' } }),
    ).toEqual([
      { path: '/b/c/1/d', change: 'dropped' },
      { path: '/b/e', change: 'changed' },
      { path: '/f', change: 'dropped' },
    ]);
    expect(lostFields([1, 2], [1])).toEqual([{ path: '/', change: 'changed' }]);
    expect(lostFields({ a: 1 }, { a: 1, added: 2 })).toEqual([]);
  });
});
