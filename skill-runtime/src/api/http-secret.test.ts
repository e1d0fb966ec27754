import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../contract/json.ts';
import type { SecretBinding } from '../contract/secret-bindings.ts';
import { createMemoryRuntime, type MemoryRuntime } from '../testing/memory-runtime.ts';

const SECRET = 'ghp_Sup3r+Secret/Value=42é';

/** How each encoding is undone, to look for the secret in what the skill got (lenient: broken text decodes partly). */
const DECODERS: Record<string, (text: string) => string> = {
  plain: (text) => text,
  base64: (text) =>
    Buffer.from(text, 'base64').toString('latin1') + Buffer.from(text, 'base64').toString('utf8'),
  base64url: (text) =>
    Buffer.from(text, 'base64url').toString('latin1') + Buffer.from(text, 'base64url').toString('utf8'),
  hex: (text) => Buffer.from(text, 'hex').toString('utf8'),
  HEX: (text) => Buffer.from(text, 'hex').toString('utf8'),
  percent: (text) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text.replace(/%([0-9a-f]{2})/gi, (_all, byte: string) =>
        String.fromCharCode(parseInt(byte, 16)),
      );
    }
  },
  percentEveryByte: (text) =>
    Buffer.from(
      text.replace(/%([0-9a-f]{2})/gi, (_all, byte: string) => String.fromCharCode(parseInt(byte, 16))),
      'latin1',
    ).toString('utf8'),
  // Parsing the body has decoded these two already.
  jsonEscaped: (text) => text,
  jsonAsciiOnly: (text) => text,
  jsonInJson: (text) => JSON.parse(`"${text}"`) as string,
};

/** Everything a careless (or hostile) server could do with a request it was sent. */
const ENCODINGS: Record<string, (text: string) => string> = {
  plain: (text) => text,
  base64: (text) => Buffer.from(text).toString('base64'),
  base64url: (text) => Buffer.from(text).toString('base64url'),
  hex: (text) => Buffer.from(text).toString('hex'),
  HEX: (text) => Buffer.from(text).toString('hex').toUpperCase(),
  percent: (text) => encodeURIComponent(text),
  percentEveryByte: (text) =>
    [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''),
  jsonEscaped: (text) =>
    [...text].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  // Python's json.dumps: only what is not ASCII escaped; and `/` as `\\/`, as PHP's json_encode writes it.
  jsonAsciiOnly: (text) =>
    text
      .replace(/[^ -~]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replaceAll('/', '\\/'),
  jsonInJson: (text) => JSON.stringify(JSON.stringify(text)).slice(1, -1),
};

/** Fields written into the JSON body as they are, so that parsing the body decodes them. */
const RAW_JSON = new Set(['jsonEscaped', 'jsonAsciiOnly']);

let server: Server;
let port: number;
let t: MemoryRuntime;
const requests: { url: string; authorization: string | undefined }[] = [];

/** An echo server: every request header and the query, back in the body (each encoding) and in headers. */
beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', authorization: request.headers.authorization });
    const url = new URL(request.url ?? '/', 'http://echo');
    if (url.pathname === '/redirect-with-query') {
      return response
        .writeHead(302, { location: `http://localhost:${port}/collect?${url.searchParams}` })
        .end();
    }
    if (url.pathname === '/fail') {
      // A redirect to a host named after the token: the refusal's message quotes that host.
      const token = (request.headers.authorization ?? '').replace('Bearer ', '');
      return response
        .writeHead(302, { location: `http://${Buffer.from(token).toString('hex')}.example/` })
        .end();
    }
    const echoed = [request.headers.authorization ?? '', url.searchParams.get('api_key') ?? ''].join(' | ');
    // Written by hand, as servers do: the \\u forms go into the JSON as they are (one level of
    // escaping, which JSON.parse turns back into the plain value), the rest as string values.
    const fields = Object.entries(ENCODINGS).map(([name, encode]) =>
      RAW_JSON.has(name)
        ? `"${name}":"${encode(echoed)}"`
        : `${JSON.stringify(name)}:${JSON.stringify(encode(echoed))}`,
    );
    response.setHeader('x-echo-authorization', request.headers.authorization ?? '');
    response.setHeader('x-echo-base64', Buffer.from(echoed).toString('base64'));
    response.setHeader('content-type', 'application/json');
    response.end(`{${fields.join(',')}}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  t = createMemoryRuntime({ network: { allowPrivateAddresses: true, allowPlainHttp: true } });
  t.secrets.set('github.token', SECRET);
  const host = `127.0.0.1:${port}`;
  const inHeader: SecretBinding = {
    handle: 'github.token',
    hosts: [host],
    in: 'header',
    name: 'authorization',
    prefix: 'Bearer ',
  };
  const inQuery: SecretBinding = { handle: 'github.token', hosts: [host], in: 'query', name: 'api_key' };
  const fetcher = `export default { async run({ input, api }) {
    try { return await api.http.fetch(input.url, input.request); } catch (e) { return { code: e.code, message: e.message }; }
  } }`;
  for (const [name, binding] of [
    ['header_user', inHeader],
    ['query_user', inQuery],
  ] as const) {
    await t.install(
      { name, permissions: ['http', 'secrets'], net: [host, `localhost:${port}`], secrets: [binding] },
      fetcher,
    );
  }
});

afterAll(async () => {
  await t.close();
  await new Promise((resolve) => server.close(resolve));
});

async function run(
  skill: string,
  path: string,
  request: { [key: string]: JsonValue } = { secret: 'github.token' },
) {
  const result = await t.runtime.run(skill, { input: { url: `http://127.0.0.1:${port}${path}`, request } });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result;
}

describe('a secret a server echoes back', () => {
  for (const skill of ['header_user', 'query_user']) {
    it(`never reaches the skill (${skill}): not plain, base64, base64url, hex, percent-encoded or \\u-escaped`, async () => {
      requests.length = 0;
      const result = await run(skill, '/echo');
      // The server did get the value, where the binding says.
      if (skill === 'header_user') expect(requests[0]?.authorization).toBe(`Bearer ${SECRET}`);
      else expect(new URL(requests[0]!.url, 'http://x').searchParams.get('api_key')).toBe(SECRET);
      const answer = result.result as { headers: Record<string, string>; body: string };
      const body = JSON.parse(answer.body) as Record<string, string>;
      // Each field, decoded the way the server encoded it, holds no trace of the value.
      for (const [name, decode] of Object.entries(DECODERS)) {
        expect(body[name], name).toBeDefined();
        expect(decode(body[name]!), name).not.toContain(SECRET);
      }
      expect(answer.headers['x-echo-authorization'] ?? '').not.toContain(SECRET);
      expect(DECODERS['base64']!(answer.headers['x-echo-base64'] ?? '')).not.toContain(SECRET);
      expect(body['plain']).toContain('[secret github.token removed]');
      // The call's record and the audit log say a secret was removed.
      expect(result.apiCalls).toEqual([
        expect.objectContaining({ method: 'http.fetch', redacted: ['github.token'] }),
      ]);
      expect(t.audit.at(-1)).toMatchObject({
        actor: `skill:${skill}`,
        action: 'skillapi.http.fetch',
        outcome: 'succeeded',
        details: { secret: 'github.token' },
      });
    });
  }

  it('is scrubbed from error messages too', async () => {
    // The redirect names a host made of the token: the refusal's message would quote it.
    const result = await run('header_user', '/fail');
    expect(result.result).toMatchObject({
      code: 'secret_not_granted',
      message: expect.stringContaining('[secret github.token removed].example'),
    });
    expect(JSON.stringify(result.result)).not.toContain(Buffer.from(SECRET).toString('hex'));
  });
});

describe('where a secret may go', () => {
  it('is refused for a host its binding does not name, even one in net', async () => {
    requests.length = 0;
    const result = await t.runtime.run('header_user', {
      input: { url: `http://localhost:${port}/echo`, request: { secret: 'github.token' } },
    });
    expect(result).toMatchObject({
      ok: true,
      result: {
        code: 'secret_not_granted',
        message: expect.stringContaining(`may be sent only to 127.0.0.1:${port}`),
      },
    });
    expect(requests).toEqual([]);
  });

  it('stops a redirect that would carry it in the query to another host', async () => {
    requests.length = 0;
    const result = await run('query_user', '/redirect-with-query');
    expect(result.result).toMatchObject({
      code: 'secret_not_granted',
      message: expect.stringContaining('redirected'),
    });
    expect(requests.map((request) => new URL(request.url, 'http://x').pathname)).toEqual([
      '/redirect-with-query',
    ]);
  });

  it('takes the handle only: a skill cannot choose the header or the prefix', async () => {
    const result = await run('header_user', '/echo', {
      secret: { handle: 'github.token', header: 'x-request-id' },
    });
    expect(result.result).toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('handle only'),
    });
  });
});

describe('approvals of secrets', () => {
  it('disables a secret granted as a bare handle (approved before bindings) and one whose binding changed', async () => {
    const code = `export default { async run({ api }) {
      try { return await api.http.fetch('http://127.0.0.1:${port}/echo', { secret: 'github.token' }); }
      catch (e) { return { code: e.code }; }
    } }`;
    const binding: SecretBinding = {
      handle: 'github.token',
      hosts: [`127.0.0.1:${port}`],
      in: 'header',
      name: 'x-api-key',
    };
    const base = { permissions: ['http', 'secrets'] as const, net: [`127.0.0.1:${port}`] };
    await t.runtime.install({
      manifest: {
        name: 'legacy_grant',
        version: '1.0.0',
        description: 'x',
        ...base,
        permissions: [...base.permissions],
        secrets: ['github.token'],
      },
      code,
      checksum: '0'.repeat(64),
      kind: 'dynamic',
      grants: { permissions: ['http', 'secrets'], net: base.net, secrets: ['github.token'], invokes: [] },
    });
    await t.runtime.install({
      manifest: {
        name: 'rebound',
        version: '1.0.1',
        description: 'x',
        ...base,
        permissions: [...base.permissions],
        secrets: [binding],
      },
      code,
      checksum: '0'.repeat(64),
      kind: 'dynamic',
      // Approved for the header `authorization`; the new version sends it elsewhere.
      grants: {
        permissions: ['http', 'secrets'],
        net: base.net,
        secrets: [`github.token → header authorization for 127.0.0.1:${port}`],
        invokes: [],
      },
    });
    requests.length = 0;
    for (const name of ['legacy_grant', 'rebound']) {
      expect(await t.runtime.run(name, { input: null })).toMatchObject({
        ok: true,
        result: { code: 'secret_not_granted' },
      });
    }
    expect(requests).toEqual([]);
  });
});

describe('a binding the owner approved for a workflow step (the run request carries it)', () => {
  const stepBinding = (): SecretBinding => ({
    handle: 'github.token',
    hosts: [`127.0.0.1:${port}`],
    in: 'header',
    name: 'authorization',
    prefix: 'Token ',
  });
  const invoker = `export default { async run({ input, api }) { return api.skills.invoke('step_user', input); } }`;

  beforeAll(async () => {
    // Like api_request: it may use secrets, its manifest binds none (the step chooses one).
    await t.install(
      { name: 'step_user', permissions: ['http', 'secrets'], net: [`127.0.0.1:${port}`] },
      `export default { async run({ input, api }) {
        try { return await api.http.fetch(input.url, input.request); } catch (e) { return { code: e.code, message: e.message }; }
      } }`,
    );
    await t.install(
      {
        name: 'step_invoker',
        permissions: ['skills.invoke', 'http', 'secrets'],
        net: [`127.0.0.1:${port}`],
        invokes: ['step_user'],
      },
      invoker,
    );
  });

  const input = () => ({ url: `http://127.0.0.1:${port}/step`, request: { secret: 'github.token' } });

  it('is applied like an approved manifest binding, the skill naming the handle only', async () => {
    requests.length = 0;
    const result = await t.runtime.run('step_user', { input: input(), secretBindings: [stepBinding()] });
    expect(result).toMatchObject({ ok: true, result: { status: 200 } });
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(requests.at(-1)?.authorization).toBe(`Token ${SECRET}`);
    expect(JSON.stringify((result as { result: unknown }).result)).toContain('[secret github.token removed]');
  });

  it('is absent from a run that was not given it, and from a skill the step invokes', async () => {
    expect(await t.runtime.run('step_user', { input: input() })).toMatchObject({
      ok: true,
      result: { code: 'secret_not_granted', message: expect.stringContaining("this run's step chose none") },
    });
    const invoked = await t.runtime.run('step_invoker', { input: input(), secretBindings: [stepBinding()] });
    if (!invoked.ok) throw new Error(JSON.stringify(invoked.error));
    expect(invoked).toMatchObject({
      ok: true,
      result: { ok: true, result: { code: 'secret_not_granted' } },
    });
  });

  it("is refused before the skill runs when it would send the secret beyond the skill's hosts", async () => {
    const elsewhere = { ...stepBinding(), hosts: ['api.elsewhere.example'] };
    expect(await t.runtime.run('step_user', { input: input(), secretBindings: [elsewhere] })).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_input',
        message: expect.stringContaining('"api.elsewhere.example" is not in "net"'),
      },
    });
  });

  it('needs the secrets permission like any binding', async () => {
    await t.install(
      { name: 'no_secrets', permissions: ['http'], net: [`127.0.0.1:${port}`] },
      `export default { async run({ input, api }) {
        try { return await api.http.fetch(input.url, input.request); } catch (e) { return { code: e.code }; }
      } }`,
    );
    expect(
      await t.runtime.run('no_secrets', { input: input(), secretBindings: [stepBinding()] }),
    ).toMatchObject({
      ok: true,
      result: { code: 'permission_denied' },
    });
  });
});
