import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubSignature } from '@talon/core/github/webhook-signature.ts';
import { startWebhookApp, type WebhookApp } from './support/webhook-app.ts';
import { waitFor } from '../workflows/support/wait.ts';

// POST /webhooks/github through the whole app (reference §7): the decision table, replays, the
// 1 MiB cap, and what each event starts.

let t: WebhookApp;
const SECRET = 'github webhook secret for tests';

beforeAll(async () => {
  t = await startWebhookApp();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.settings.set('github.webhook_secret', SECRET);
  await t.settings.set('github.watched_branches', 'main, master');
  t.reviews.started.length = 0;
});

function deliver(
  event: string,
  body: string | Buffer,
  headers: Record<string, string | undefined> = {},
): Promise<LightMyRequestResponse> {
  const all: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': randomUUID(),
    'x-hub-signature-256': githubSignature(SECRET, body),
    ...headers,
  };
  return t.app.inject({
    method: 'POST',
    url: '/webhooks/github',
    headers: Object.fromEntries(
      Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    payload: body,
  });
}

const pullRequest = (action: string, repo = 'acme/shop', base = 'main') =>
  JSON.stringify({
    action,
    number: 12,
    pull_request: {
      number: 12,
      title: 'Faster login',
      html_url: `https://github.com/${repo}/pull/12`,
      base: { ref: base },
      head: { sha: 'a'.repeat(40) },
    },
    repository: { full_name: repo },
    sender: { login: 'mallory' },
  });

const push = (ref: string, after = 'b'.repeat(40)) =>
  JSON.stringify({
    ref,
    after,
    commits: [{}, {}],
    repository: { full_name: 'acme/shop' },
    sender: { login: 'ann' },
  });

describe('signatures (the decision table)', () => {
  it("matches GitHub's published test vector, and accepts a delivery signed with it", async () => {
    const secret = "It's a Secret to Everybody";
    expect(githubSignature(secret, 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
    await t.settings.set('github.webhook_secret', secret);
    const response = await deliver('ping', 'Hello, World!', {
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'pong' });
  });

  it('refuses every delivery while no secret is configured', async () => {
    await t.settings.set('github.webhook_secret', '');
    for (const signature of [undefined, githubSignature(SECRET, '{}'), githubSignature('', '{}')]) {
      const response = await deliver('ping', '{}', { 'x-hub-signature-256': signature });
      expect(response.statusCode, signature).toBe(401);
      expect(response.json()).toEqual({
        error: 'github_webhook_not_configured',
        message: 'No GitHub webhook secret is set (github.webhook_secret): every delivery is refused',
      });
    }
  });

  it('refuses a missing, malformed, upper-case or forged signature with 401, and starts nothing', async () => {
    const body = pullRequest('opened');
    const forged = [
      undefined,
      'sha1=abc',
      githubSignature(SECRET, body).toUpperCase().replace('SHA256=', 'sha256='),
      githubSignature('another secret', body),
      githubSignature(SECRET, `${body} `),
    ];
    for (const signature of forged) {
      const response = await deliver('pull_request', body, { 'x-hub-signature-256': signature });
      expect(response.statusCode, String(signature)).toBe(401);
      expect(response.json()).toMatchObject({ error: 'github_signature_invalid' });
    }
    // A malformed header is refused as such even when no secret is set (GH-3).
    await t.settings.set('github.webhook_secret', '');
    expect((await deliver('ping', '{}', { 'x-hub-signature-256': 'md5=1' })).json()).toMatchObject({
      error: 'github_signature_invalid',
    });
    expect(t.reviews.started).toEqual([]);
  });

  it('refuses a body over 1 MiB with 413 before anything else', async () => {
    const big = JSON.stringify({ zen: 'x'.repeat(2 * 1024 * 1024) });
    const response = await deliver('ping', big);
    expect(response.statusCode).toBe(413);
  });

  it('acknowledges a replayed delivery id and ignores it', async () => {
    const id = randomUUID();
    const first = await deliver('pull_request', pullRequest('opened'), { 'x-github-delivery': id });
    expect(first.json()).toEqual({ status: 'accepted', review: 'queued' });
    const again = await deliver('pull_request', pullRequest('opened'), { 'x-github-delivery': id });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ status: 'duplicate', reason: `delivery ${id} was received before` });
    expect(t.reviews.started).toHaveLength(1);
  });

  it('asks for JSON: a form-encoded delivery is refused with what to change', async () => {
    const body = `payload=${encodeURIComponent(pullRequest('opened'))}`;
    const response = await deliver('pull_request', body, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().message).toMatch(/content type to application\/json/);
  });
});

describe('what a delivery starts', () => {
  it('reviews pull requests opened, synchronized or reopened, and ignores the other actions', async () => {
    for (const action of ['opened', 'synchronize', 'reopened']) {
      expect((await deliver('pull_request', pullRequest(action))).json()).toEqual({
        status: 'accepted',
        review: 'queued',
      });
    }
    const closed = await deliver('pull_request', pullRequest('closed'));
    expect(closed.json()).toEqual({ status: 'ignored', reason: 'pull_request closed is not reviewed' });
    expect(t.reviews.started.map((start) => start.target)).toEqual([
      { repo: 'acme/shop', pr: 12 },
      { repo: 'acme/shop', pr: 12 },
      { repo: 'acme/shop', pr: 12 },
    ]);
    expect(t.reviews.started[0]!.origin).toMatch(/^github:/);
  });

  it('reviews a push to a watched branch (the whole branch name, not its last segment) and ignores the rest', async () => {
    expect((await deliver('push', push('refs/heads/main'))).json()).toEqual({
      status: 'accepted',
      review: 'queued',
    });
    expect(t.reviews.started.at(-1)!.target).toEqual({ repo: 'acme/shop', sha: 'b'.repeat(40) });
    // AlexClaw took "main" out of refs/heads/feature/main; here that branch is "feature/main".
    expect((await deliver('push', push('refs/heads/feature/main'))).json()).toEqual({
      status: 'ignored',
      reason: 'branch feature/main is not watched (github.watched_branches)',
    });
    expect((await deliver('push', push('refs/heads/main', '0'.repeat(40)))).json()).toEqual({
      status: 'ignored',
      reason: 'refs/heads/main was deleted',
    });
    expect((await deliver('push', push('refs/tags/v1.0'))).json()).toEqual({
      status: 'ignored',
      reason: 'refs/tags/v1.0 is not a branch',
    });
    expect((await deliver('issues', '{"action":"opened"}')).json()).toEqual({
      status: 'ignored',
      reason: 'the event issues is not handled',
    });
    expect(t.reviews.started).toHaveLength(1);
  });

  it('starts the workflows bound to the event instead of the built-in review, with the event as input', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/workflows',
      headers: t.session.headers,
      payload: {
        name: 'shop pull requests',
        triggers: { github: { events: ['pull_request'], repos: ['Acme/Shop'], branches: ['main'] } },
        steps: [{ id: 'a', name: 'A', skill: 'upper' }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const response = await deliver('pull_request', pullRequest('opened'));
    const answer = response.json<{ status: string; runIds: string[] }>();
    expect(answer).toMatchObject({ status: 'accepted', runIds: [expect.any(String)] });
    expect(t.reviews.started).toEqual([]);
    const run = await waitFor(async () => {
      const found = await t.engine.runs.get(answer.runIds[0]!);
      return found.status === 'completed' ? found : undefined;
    }, 'the bound run to complete');
    expect(run).toMatchObject({
      trigger: 'webhook',
      input: { event: 'pull_request', action: 'opened', repository: 'acme/shop', branch: 'main', number: 12 },
    });
    // Another base branch or repository is not bound: the built-in review takes it.
    await deliver('pull_request', pullRequest('opened', 'acme/shop', 'develop'));
    await deliver('pull_request', pullRequest('opened', 'acme/other'));
    expect(t.reviews.started.map((start) => start.target)).toEqual([
      { repo: 'acme/shop', pr: 12 },
      { repo: 'acme/other', pr: 12 },
    ]);
  });

  it('refuses a GitHub trigger that does not say which events', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/workflows',
      headers: t.session.headers,
      payload: {
        name: 'bad trigger',
        triggers: { github: { events: [], repos: ['not a repo'] } },
        steps: [{ id: 'a', name: 'A', skill: 'upper' }],
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ problems: { path: string }[] }>().problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['/triggers/github/events', '/triggers/github/repos/0']),
    );
  });
});
