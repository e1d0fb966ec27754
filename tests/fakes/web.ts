import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake answers on one path. */
export interface WebResource {
  status?: number;
  /** `content-type`; default `text/html; charset=utf-8`. */
  type?: string;
  body: string;
  /** Waits this long before answering (a slow site). */
  delayMs?: number;
}

/** A request as the fake received it. */
export interface WebRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/**
 * The web as skills see it in tests: a loopback HTTP server serving pages and RSS/Atom feeds set per
 * path (404 for anything else). Skills reach it only through explicit loopback `net` entries and the
 * owner's opt-ins (`skills.http.allow_private_addresses`, `allow_plain_http`): `*` never reaches it.
 */
export class FakeWeb {
  readonly requests: WebRequest[] = [];
  readonly #resources = new Map<string, WebResource>();
  readonly #server: Server;
  #port = 0;

  private constructor() {
    this.#server = createServer((request, response) => {
      const path = request.url ?? '/';
      this.requests.push({ method: request.method ?? 'GET', path, headers: request.headers });
      const resource = this.#resources.get(path) ?? { status: 404, type: 'text/plain', body: 'not found' };
      const answer = (): void => {
        if (response.destroyed) return;
        response.writeHead(resource.status ?? 200, {
          'content-type': resource.type ?? 'text/html; charset=utf-8',
        });
        response.end(resource.body);
      };
      if (resource.delayMs) setTimeout(answer, resource.delayMs);
      else answer();
    });
  }

  static async start(): Promise<FakeWeb> {
    const web = new FakeWeb();
    web.#server.listen(0, '127.0.0.1');
    await once(web.#server, 'listening');
    web.#port = (web.#server.address() as AddressInfo).port;
    return web;
  }

  /** `127.0.0.1:<port>`: the `net` entry a skill needs to reach this fake. */
  get host(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://${this.host}`;
  }

  serve(path: string, resource: WebResource): this {
    this.#resources.set(path, resource);
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

/** An RSS 2.0 document (https://www.rssboard.org/rss-specification) of the given items. */
export function rssFeed(
  title: string,
  items: { guid: string; title: string; link?: string; description?: string; pubDate?: Date }[],
): string {
  const escape = (text: string): string =>
    text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0"><channel>',
    `<title>${escape(title)}</title><link>https://feeds.example/</link><description>${escape(title)}</description>`,
    ...items.map((item) =>
      [
        '<item>',
        `<guid isPermaLink="false">${escape(item.guid)}</guid>`,
        `<title>${escape(item.title)}</title>`,
        item.link ? `<link>${escape(item.link)}</link>` : '',
        item.description === undefined ? '' : `<description>${escape(item.description)}</description>`,
        item.pubDate ? `<pubDate>${item.pubDate.toUTCString()}</pubDate>` : '',
        '</item>',
      ].join(''),
    ),
    '</channel></rss>',
  ].join('\n');
}
