import http from 'node:http';
import net from 'node:net';
import { lookup } from 'node:dns/promises';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.ts';
import { errorMessage } from '../errors.ts';
import type { DestinationPolicy } from './destination-policy.ts';

/** One connection the browser asked for: let through to `address`, or refused with `reason`. */
export type EgressEvent =
  | { kind: 'allowed'; at: number; host: string; port: number; address: string }
  | { kind: 'refused'; at: number; host: string; port: number; url: string; reason: string };

export interface EgressProxy {
  /** `http://127.0.0.1:<port>`, for Playwright's per-context `proxy.server`. */
  url: string;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]); // prettier-ignore
const CONNECT_TIMEOUT_MS = 30_000;

type Decision = { address: string } | { reason: string };

/** Host check, then DNS (once, here: Chromium never resolves names itself behind a proxy), then address check. */
async function decide(policy: DestinationPolicy, host: string, port: number): Promise<Decision> {
  const hostRefusal = policy.refuseHost(host, port);
  if (hostRefusal) return { reason: hostRefusal };
  let addresses: string[];
  if (net.isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch (error) {
      return { reason: `${host} could not be resolved (${errorMessage(error)})` };
    }
  }
  // Every address must pass, so a name that also resolves to a private address cannot slip through.
  for (const address of addresses) {
    const refusal = policy.refuseAddress(host, address);
    if (refusal) return { reason: refusal };
  }
  const [first] = addresses;
  return first === undefined ? { reason: `${host} has no address` } : { address: first };
}

function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(authority);
  const port = Number(match?.[3]);
  const host = (match?.[1] ?? match?.[2] ?? '').toLowerCase();
  return match && host !== '' && port > 0 && port < 65536 ? { host, port } : undefined;
}

/**
 * A forward proxy on loopback for one browser context, and the only way its pages reach the network:
 * plain http requests in absolute form and CONNECT tunnels (https, WebSockets). Each destination is
 * checked against `policy`, and the sidecar connects to the address it resolved itself, so a DNS
 * answer that changes between check and connection (rebinding) does not matter. `onEvent` hears
 * every decision: refusals fail the replay's step with their reason, and a recording turns the
 * allowed hosts into the recipe's allowlist.
 */
export async function startEgressProxy(
  policy: DestinationPolicy,
  onEvent: (event: EgressEvent) => void,
  logger: Logger,
): Promise<EgressProxy> {
  const sockets = new Set<Duplex>();
  // Upstream connections of this proxy only, closed with it (the global agent would keep them around).
  const agent = new http.Agent({ keepAlive: true });
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = http.createServer(async (request, response) => {
    let target: URL;
    try {
      target = new URL(request.url ?? '');
      if (target.protocol !== 'http:') throw new Error('not http');
    } catch {
      response
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('Talon egress proxy: absolute http URLs only');
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = Number(target.port || 80);
    const decision = await decide(policy, host, port);
    if ('reason' in decision) {
      onEvent({ kind: 'refused', at: Date.now(), host, port, url: target.href, reason: decision.reason });
      response
        .writeHead(403, { 'content-type': 'text/plain' })
        .end(`Talon refused this request: ${decision.reason}`);
      return;
    }
    onEvent({ kind: 'allowed', at: Date.now(), host, port, address: decision.address });
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    }
    const upstream = http.request({
      host: decision.address,
      port,
      method: request.method,
      path: `${target.pathname}${target.search}`,
      headers,
      setHost: false,
      agent,
      timeout: CONNECT_TIMEOUT_MS,
    });
    upstream.on('response', (answer) => {
      const answerHeaders: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!HOP_BY_HOP.has(name) && value !== undefined) answerHeaders[name] = value;
      }
      response.writeHead(answer.statusCode ?? 502, answerHeaders);
      answer.pipe(response);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timed out')));
    upstream.on('error', (error) => {
      logger.debug({ host, err: errorMessage(error) }, 'upstream request failed');
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end();
    });
    request.pipe(upstream);
  });

  server.on('connect', async (request: http.IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    client.on('error', () => client.destroy());
    const authority = parseAuthority(request.url ?? '');
    if (!authority) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const { host, port } = authority;
    const decision = await decide(policy, host, port);
    if ('reason' in decision) {
      const literal = net.isIP(host) === 6 ? `[${host}]` : host;
      onEvent({
        kind: 'refused',
        at: Date.now(),
        host,
        port,
        url: `https://${literal}:${port}/`,
        reason: decision.reason,
      });
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    onEvent({ kind: 'allowed', at: Date.now(), host, port, address: decision.address });
    const upstream = net.connect({ host: decision.address, port, timeout: CONNECT_TIMEOUT_MS });
    track(upstream);
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('timeout', () => upstream.destroy());
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  server.on('upgrade', (_request, socket: Duplex) => socket.destroy());
  server.on('connection', track);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
