import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../contract/json.ts';
import { HTTP_LIMITS } from '../limits.ts';
import { createMemoryRuntime, type MemoryRuntime } from '../testing/memory-runtime.ts';

let t: MemoryRuntime;
let server: Server;
let port: number;
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

const FETCH_SKILL = `export default { async run({ input, api }) {
  try { return await api.http.fetch(input.url, input.request); } catch (e) { return { code: e.code, message: e.message }; }
} }`;

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    if (request.url === '/hop')
      return response.writeHead(302, { location: `http://localhost:${port}/landed` }).end();
    // To loopback on the default port: allowed only by `*` in the skill's net.
    if (request.url === '/to-default-port')
      return response.writeHead(302, { location: 'http://localhost/admin' }).end();
    if (request.url === '/big') return response.end('x'.repeat(3000));
    // Each hop answers a little under the whole request's time, and redirects again.
    const slowHop = /^\/slow-hop\/(\d)$/.exec(request.url ?? '');
    if (slowHop) {
      const next = Number(slowHop[1]) + 1;
      const location = next > 3 ? '/landed' : `/slow-hop/${next}`;
      setTimeout(() => response.writeHead(302, { location }).end(), 400);
      return;
    }
    // Headers at once, then the body a piece at a time.
    if (request.url === '/trickle') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      let pieces = 0;
      const timer = setInterval(() => {
        response.write('piece ');
        if (++pieces === 5) {
          clearInterval(timer);
          response.end();
        }
      }, 300);
      response.on('close', () => clearInterval(timer));
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ path: request.url, method: request.method }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  // Loopback and plain http only because this owner opted in: the default refuses both.
  t = createMemoryRuntime({
    network: { allowPrivateAddresses: true, allowPlainHttp: true },
    httpLimits: {
      ...HTTP_LIMITS,
      maxResponseBytes: 2000,
      maxRequestBytes: 1000,
      defaultTimeoutMs: 2000,
      maxTimeoutMs: 2000,
      maxRedirects: 3,
    },
  });
  t.secrets.set('github.token', 'ghp_the_real_token_value');
  await t.install(
    {
      name: 'fetcher',
      permissions: ['http', 'secrets'],
      net: [`127.0.0.1:${port}`, `localhost:${port}`],
      secrets: [
        {
          handle: 'github.token',
          hosts: [`127.0.0.1:${port}`],
          in: 'header',
          name: 'authorization',
          prefix: 'Bearer ',
        },
      ],
    },
    FETCH_SKILL,
  );
  await t.install({ name: 'anywhere', permissions: ['http'], net: ['*', `127.0.0.1:${port}`] }, FETCH_SKILL);
});

afterAll(async () => {
  await t.close();
  await new Promise((resolve) => server.close(resolve));
});

async function fetchThrough(url: string, request?: { [key: string]: JsonValue }): Promise<unknown> {
  const result = await t.runtime.run('fetcher', { input: { url, ...(request ? { request } : {}) } });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.result;
}

describe('http.fetch', () => {
  it('reaches an allowlisted host and returns status, headers and body as text', async () => {
    const answer = await fetchThrough(`http://127.0.0.1:${port}/items?x=1`, {
      method: 'POST',
      body: { a: 1 },
    });
    expect(answer).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/items?x=1', method: 'POST' }),
    });
  });

  it('puts a secret where its approved binding says, the skill naming only the handle', async () => {
    seen.length = 0;
    const answer = await fetchThrough(`http://127.0.0.1:${port}/me`, { secret: 'github.token' });
    expect(seen[0]?.headers.authorization).toBe('Bearer ghp_the_real_token_value');
    expect(JSON.stringify(answer)).not.toContain('ghp_the_real_token_value');
  });

  it('follows an allowlisted redirect to another origin without the secret header', async () => {
    seen.length = 0;
    const answer = await fetchThrough(`http://127.0.0.1:${port}/hop`, { secret: 'github.token' });
    expect(answer).toMatchObject({ status: 200, body: JSON.stringify({ path: '/landed', method: 'GET' }) });
    expect(seen.map((request) => request.url)).toEqual(['/hop', '/landed']);
    expect(seen[0]?.headers.authorization).toBe('Bearer ghp_the_real_token_value');
    expect(seen[1]?.headers.authorization).toBeUndefined();
  });

  it('refuses a response over the size cap, bad arguments, and forbidden headers', async () => {
    expect(await fetchThrough(`http://127.0.0.1:${port}/big`)).toMatchObject({ code: 'too_large' });
    expect(await fetchThrough('not a url')).toMatchObject({ code: 'invalid_argument' });
    expect(await fetchThrough(`http://127.0.0.1:${port}/`, { headers: { host: 'evil' } })).toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('host'),
    });
    expect(await fetchThrough(`http://127.0.0.1:${port}/`, { method: 'TRACE' })).toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('gives the whole request one deadline: redirect hops and the body count together', async () => {
    // Three hops of 400 ms each: every hop alone fits in 1,000 ms, the request does not.
    expect(await fetchThrough(`http://127.0.0.1:${port}/slow-hop/1`, { timeoutMs: 1000 })).toEqual({
      code: 'timeout',
      message: 'http.fetch: no complete answer within 1000 ms',
    });
    // The headers come at once; the body takes 1,500 ms.
    expect(await fetchThrough(`http://127.0.0.1:${port}/trickle`, { timeoutMs: 1000 })).toMatchObject({
      code: 'timeout',
    });
    // With time enough, both complete.
    expect(await fetchThrough(`http://127.0.0.1:${port}/trickle`, { timeoutMs: 2000 })).toMatchObject({
      status: 200,
      body: 'piece piece piece piece piece ',
    });
  });
});

describe('http.fetch with the net entry "*"', () => {
  async function fetchAnywhere(url: string): Promise<unknown> {
    const result = await t.runtime.run('anywhere', { input: { url } });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    return result.result;
  }

  it('never reaches loopback through "*", though this owner allows private addresses', async () => {
    seen.length = 0;
    // A literal address, and a name that resolves to one: both refused before anything is sent.
    expect(await fetchAnywhere('http://127.0.0.1/')).toMatchObject({
      code: 'host_not_allowed',
      message: expect.stringContaining('"*" reaches public hosts only'),
    });
    expect(await fetchAnywhere('http://localhost/')).toEqual({
      code: 'host_not_allowed',
      message: 'http.fetch: localhost resolves to a private address',
    });
  });

  it('refuses a redirect that leaves a named host for a private one only "*" would cover', async () => {
    seen.length = 0;
    expect(await fetchAnywhere(`http://127.0.0.1:${port}/to-default-port`)).toEqual({
      code: 'host_not_allowed',
      message: 'http.fetch: localhost resolves to a private address',
    });
    expect(seen.map((request) => request.url)).toEqual(['/to-default-port']);
  });

  it('still reaches the loopback host its net names, with the opt-in', async () => {
    expect(await fetchAnywhere(`http://127.0.0.1:${port}/named`)).toMatchObject({ status: 200 });
  });
});
