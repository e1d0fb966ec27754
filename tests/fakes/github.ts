import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

/**
 * A loopback fake of the parts of GitHub's REST API (https://docs.github.com/rest) the security
 * review reads: a pull request (`GET /repos/{owner}/{repo}/pulls/{n}`, as JSON or, with
 * `Accept: application/vnd.github.diff`, as the diff), its files (`/pulls/{n}/files`) and a commit
 * (`GET /repos/{owner}/{repo}/commits/{sha}`, JSON or diff). As GitHub: a request without a
 * User-Agent is refused (403), a wrong token is 401 "Bad credentials", a private repository is 404
 * without the token, a diff too large to render is 406, and errors are `{ message, documentation_url }`.
 *
 * Served over HTTPS with `github-tls/server.pem` (for api.github.com, signed by the test CA
 * `github-tls/ca.pem`, whose key was thrown away) when asked, so a Talon that resolves
 * api.github.com to this server and trusts that CA talks to it exactly as to GitHub.
 */

export interface FakePull {
  title: string;
  author: string;
  base: string;
  headSha: string;
  diff: string;
  /** GitHub refuses to render the diff (406); the files endpoint still answers. */
  diffTooLarge?: boolean;
  files?: { filename: string; patch: string }[];
}

export interface FakeCommit {
  message: string;
  author: string;
  diff: string;
}

export interface FakeRepository {
  private?: boolean;
  pulls?: Record<number, FakePull>;
  commits?: Record<string, FakeCommit>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  accept: string | undefined;
  authorization: string | undefined;
  userAgent: string | undefined;
}

const TLS_DIR = new URL('./github-tls/', import.meta.url);
const DOCS = 'https://docs.github.com/rest';

export class FakeGithubApi {
  readonly requests: RecordedRequest[] = [];
  readonly repositories: Map<string, FakeRepository>;
  readonly #server: Server;
  readonly #token: string | undefined;
  readonly #tls: boolean;
  #url = '';

  private constructor(options: {
    token?: string;
    tls: boolean;
    repositories: Record<string, FakeRepository>;
  }) {
    this.#token = options.token;
    this.#tls = options.tls;
    this.repositories = new Map(
      Object.entries(options.repositories).map(([name, repo]) => [name.toLowerCase(), repo]),
    );
    const handler = (request: IncomingMessage, response: ServerResponse): void =>
      this.#handle(request, response);
    this.#server = options.tls
      ? createHttpsServer(
          {
            cert: readFileSync(new URL('server.pem', TLS_DIR)),
            key: readFileSync(new URL('server.key', TLS_DIR)),
          },
          handler,
        )
      : createHttpServer(handler);
  }

  /** The test CA that signed the fake's certificate (for NODE_EXTRA_CA_CERTS). */
  static readonly caFile = new URL('ca.pem', TLS_DIR).pathname;

  static async start(options: {
    /** The token a private repository needs (`Authorization: Bearer …`); a wrong one is always 401. */
    token?: string;
    repositories: Record<string, FakeRepository>;
    tls?: boolean;
    host?: string;
    port?: number;
  }): Promise<FakeGithubApi> {
    const fake = new FakeGithubApi({ ...options, tls: options.tls ?? false });
    fake.#server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    await once(fake.#server, 'listening');
    const address = fake.#server.address() as AddressInfo;
    fake.#url = `${fake.#tls ? 'https' : 'http'}://${address.address}:${address.port}`;
    return fake;
  }

  get url(): string {
    return this.#url;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'https://api.github.com');
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname + url.search,
      accept: request.headers.accept,
      authorization: request.headers.authorization,
      userAgent: request.headers['user-agent'],
    };
    this.requests.push(recorded);
    const error = (status: number, message: string): void =>
      this.#json(response, status, { message, documentation_url: DOCS });
    if (!recorded.userAgent) {
      return error(
        403,
        'Request forbidden by administrative rules. Please make sure your request has a User-Agent header',
      );
    }
    const token = /^(?:Bearer|token) (.+)$/i.exec(recorded.authorization ?? '')?.[1];
    if (recorded.authorization !== undefined && (token === undefined || token !== this.#token)) {
      return error(401, 'Bad credentials');
    }
    if (recorded.method !== 'GET') return error(404, 'Not Found');
    const match = /^\/repos\/([^/]+)\/([^/]+)\/(pulls|commits)\/([^/]+)(\/files)?$/.exec(url.pathname);
    const repoName = match ? `${match[1]}/${match[2]}`.toLowerCase() : '';
    const repo = this.repositories.get(repoName);
    if (!match || !repo || (repo.private && token === undefined)) return error(404, 'Not Found');
    const diff = /application\/vnd\.github(\.v3)?\.diff/.test(recorded.accept ?? '');
    const [, owner, name, kind, id, files] = match;
    const base = `https://github.com/${owner}/${name}`;
    if (kind === 'pulls') {
      const pull = repo.pulls?.[Number(id)];
      if (!pull) return error(404, 'Not Found');
      if (files) return this.#json(response, 200, pull.files ?? filesOf(pull.diff));
      if (diff) {
        if (pull.diffTooLarge) {
          return error(
            406,
            "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull requests files' API",
          );
        }
        return this.#text(response, pull.diff);
      }
      const stats = statsOf(pull.diff);
      return this.#json(response, 200, {
        number: Number(id),
        state: 'open',
        title: pull.title,
        html_url: `${base}/pull/${id}`,
        user: { login: pull.author },
        base: { ref: pull.base, sha: '0'.repeat(39) + '1' },
        head: { ref: 'feature', sha: pull.headSha },
        additions: stats.additions,
        deletions: stats.deletions,
        changed_files: stats.files,
      });
    }
    const commit =
      repo.commits?.[id!] ?? Object.entries(repo.commits ?? {}).find(([sha]) => sha.startsWith(id!))?.[1];
    if (!commit || files) return error(404, 'No commit found for SHA: ' + id);
    if (diff) return this.#text(response, commit.diff);
    return this.#json(response, 200, {
      sha: id,
      html_url: `${base}/commit/${id}`,
      commit: { message: commit.message, author: { name: commit.author } },
      author: { login: commit.author },
      stats: statsOf(commit.diff),
      files: filesOf(commit.diff),
    });
  }

  #json(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  }

  #text(response: ServerResponse, body: string): void {
    response.writeHead(200, { 'content-type': 'application/vnd.github.diff; charset=utf-8' });
    response.end(body);
  }
}

function statsOf(diff: string): { additions: number; deletions: number; files: number } {
  const lines = diff.split('\n');
  return {
    additions: lines.filter((line) => line.startsWith('+') && !line.startsWith('+++')).length,
    deletions: lines.filter((line) => line.startsWith('-') && !line.startsWith('---')).length,
    files: lines.filter((line) => line.startsWith('diff --git ')).length,
  };
}

/** A diff's files as GitHub lists them: each with its patch (the hunks, without the file headers). */
function filesOf(diff: string): { filename: string; status: string; patch: string }[] {
  return diff
    .split(/^diff --git /m)
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const filename = /^a\/\S+ b\/(\S+)/.exec(part)?.[1] ?? 'unknown';
      const hunk = part.indexOf('\n@@');
      return { filename, status: 'modified', patch: hunk >= 0 ? part.slice(hunk + 1).trimEnd() : '' };
    });
}
