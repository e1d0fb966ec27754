import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import {
  recipeDestinationPolicy,
  recordingDestinationPolicy,
  type DestinationPolicy,
} from './destination-policy.ts';
import { startEgressProxy, type EgressEvent } from './egress-proxy.ts';

let target: http.Server;
let port: number;

beforeAll(async () => {
  target = http.createServer((request, response) => response.end(`hello from ${request.url}`));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  port = (target.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => target.close(() => resolve())));

async function through(policy: DestinationPolicy, use: (proxyPort: number) => Promise<unknown>) {
  const events: EgressEvent[] = [];
  const proxy = await startEgressProxy(policy, (event) => events.push(event), createLogger('silent'));
  try {
    const outcome = await use(Number(new URL(proxy.url).port));
    return { outcome, events };
  } finally {
    await proxy.close();
  }
}

/** A plain-http request in absolute form, as Chromium sends it to a proxy. */
function get(proxyPort: number, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      path: url,
      headers: { host: new URL(url).host },
    });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** A CONNECT tunnel, then one request through it. */
function connect(proxyPort: number, authority: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority });
    request.on('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        resolve({ status: response.statusCode ?? 0, body: '' });
        return;
      }
      let body = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (body += chunk));
      socket.on('end', () => resolve({ status: 200, body }));
      socket.write(`GET /tunnelled HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the egress proxy with a recipe policy', () => {
  it('lets a listed host and listed private address through, to the address it resolved', async () => {
    const policy = recipeDestinationPolicy({
      allowedDomains: [`127.0.0.1:${port}`],
      allowedPrivateAddresses: ['127.0.0.0/8'],
    });
    const { outcome, events } = await through(policy, (proxyPort) =>
      get(proxyPort, `http://127.0.0.1:${port}/report?x=1`),
    );
    expect(outcome).toEqual({ status: 200, body: 'hello from /report?x=1' });
    expect(events).toMatchObject([{ kind: 'allowed', host: '127.0.0.1', port, address: '127.0.0.1' }]);
  });

  it('refuses a host that is not on the allowlist, and says so', async () => {
    const policy = recipeDestinationPolicy({
      allowedDomains: [`127.0.0.1:${port}`],
      allowedPrivateAddresses: ['127.0.0.1'],
    });
    const { outcome, events } = await through(policy, (proxyPort) =>
      get(proxyPort, `http://localhost:${port}/`),
    );
    expect(outcome).toMatchObject({ status: 403 });
    expect((outcome as { body: string }).body).toContain(
      `localhost:${port} is not on the recipe's allowlist`,
    );
    expect(events).toMatchObject([{ kind: 'refused', url: `http://localhost:${port}/` }]);
  });

  it('refuses a listed host on a port the allowlist does not name', async () => {
    const policy = recipeDestinationPolicy({
      allowedDomains: ['127.0.0.1'],
      allowedPrivateAddresses: ['127.0.0.1'],
    });
    const { outcome } = await through(policy, (proxyPort) => get(proxyPort, `http://127.0.0.1:${port}/`));
    expect(outcome).toMatchObject({ status: 403 });
  });

  it('refuses loopback unless allowedPrivateAddresses lists it, also behind a name', async () => {
    const literal = recipeDestinationPolicy({
      allowedDomains: [`127.0.0.1:${port}`],
      allowedPrivateAddresses: [],
    });
    const first = await through(literal, (proxyPort) => get(proxyPort, `http://127.0.0.1:${port}/`));
    expect((first.outcome as { body: string }).body).toContain(
      '127.0.0.1 is a private or loopback address that is not in allowedPrivateAddresses',
    );
    const named = recipeDestinationPolicy({
      allowedDomains: [`localhost:${port}`],
      allowedPrivateAddresses: ['10.0.0.0/8'],
    });
    const second = await through(named, (proxyPort) => get(proxyPort, `http://localhost:${port}/`));
    expect(second.outcome).toMatchObject({ status: 403 });
    expect((second.outcome as { body: string }).body).toMatch(
      /localhost resolves to (127\.0\.0\.1|::1), which is a private/,
    );
  });

  it('tunnels CONNECT to an allowed destination and refuses others with 403', async () => {
    const policy = recipeDestinationPolicy({
      allowedDomains: [`127.0.0.1:${port}`],
      allowedPrivateAddresses: ['127.0.0.1'],
    });
    const { outcome } = await through(policy, async (proxyPort) => [
      await connect(proxyPort, `127.0.0.1:${port}`),
      await connect(proxyPort, 'example.com:443'),
      await connect(proxyPort, `[::1]:${port}`),
    ]);
    const [allowed, offList, ipv6] = outcome as { status: number; body: string }[];
    expect(allowed?.status).toBe(200);
    expect(allowed?.body).toContain('hello from /tunnelled');
    expect(offList?.status).toBe(403);
    expect(ipv6?.status).toBe(403);
  });
});

describe('the egress proxy while recording', () => {
  it('allows any host but private addresses only where the owner pointed the recording', async () => {
    const { outcome } = await through(recordingDestinationPolicy(['127.0.0.1']), async (proxyPort) => [
      await get(proxyPort, `http://127.0.0.1:${port}/a`),
      await get(proxyPort, `http://127.0.0.2:${port}/b`),
    ]);
    const [listed, other] = outcome as { status: number; body: string }[];
    expect(listed).toEqual({ status: 200, body: 'hello from /a' });
    expect(other?.status).toBe(403);
    expect(other?.body).toContain('127.0.0.2 is a private or loopback address');
  });
});
