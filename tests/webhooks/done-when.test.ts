import { spawn } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { totpCodeAt } from '@talon/core/auth/totp.ts';
import type { RunDetail } from '@talon/core/workflows/wire-types.ts';
import { findFreePort } from '@talon/core/db/embedded-postgres.ts';
import { githubSignature } from '@talon/core/github/webhook-signature.ts';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { signStandardWebhook } from '@talon/core/webhooks/standard-signature.ts';
import { FakeGithubApi } from '../fakes/github.ts';
import { startFakeOpenAi } from '../fakes/llm/openai.ts';
import type { FakeLlmServer } from '../fakes/llm/fake-llm-server.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import { REPO_ROOT, waitForStatus } from '../support/talon-process.ts';
import { AdminHttp } from '../telegram/support/admin-http.ts';
import { BOT_TOKEN, OWNER } from '../telegram/support/gateway-harness.ts';

// Issue 14's "Done when", tried as a new user would, through `pnpm start`'s entry point: enable the
// shell, `/shell df -h` from Telegram with a code, `/shell cat /proc /etc/shadow` refused; a signed
// GitHub delivery reviewed (GitHub, the model and Telegram are fakes on loopback), an unsigned one
// refused; a workflow started by a signed POST.
//
// GitHub is reached as api.github.com: Talon runs in a mount namespace of its own whose /etc/hosts
// names a loopback address for it, where the fake listens on 443 with a certificate of a test CA
// Talon is told to trust (NODE_EXTRA_CA_CERTS). That needs root (the mount, port 443); Talon's
// README asks for root anyway, for its unprivileged skill workers and shell.

const ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const ADMIN_PASSWORD = 'webhooks done-when password 4711';
const WEBHOOK_SECRET = 'the secret GitHub signs with';
const GITHUB_TOKEN = 'ghp_faketokenfortalontests0123456789';
const DIFF = [
  'diff --git a/app/login.py b/app/login.py',
  '--- a/app/login.py',
  '+++ b/app/login.py',
  '@@ -1,2 +1,3 @@',
  '-cursor.execute("SELECT * FROM users WHERE name = %s", (name,))',
  '+cursor.execute(f"SELECT * FROM users WHERE name = {name}")',
  '+DEBUG_PASSWORD = "letmein"',
  '',
].join('\n');
const VERDICT = [
  'RISK: HIGH',
  'FINDINGS:',
  '- app/login.py: SQL built with an f-string from user input (injection)',
  '- app/login.py: a hard-coded password',
  'SUMMARY: The change reintroduces SQL injection and adds a credential.',
  'RECOMMENDATION: REQUEST_CHANGES, keep the parameterised query',
].join('\n');

let database: TestDatabase;
let telegram: FakeBotApi;
let github: FakeGithubApi;
let llm: FakeLlmServer;
let talon: { child: ReturnType<typeof spawn>; output: () => string; exited: Promise<unknown> };
let admin: AdminHttp;
let base: string;
let totpSecret: string;
const workdir = mkdtempSync(path.join(tmpdir(), 'talon-issue14-'));

async function code(): Promise<string> {
  await forgetUsedTotpCodes(database.pool);
  return totpCodeAt(totpSecret, Date.now() / 1000);
}

async function ownerSays(text: string, expected: RegExp, timeoutMs = 30_000): Promise<string> {
  const since = telegram.sent.length;
  telegram.message({ chatId: OWNER, text });
  return (
    await telegram.waitForSent(
      (message) => message.chat_id === String(OWNER) && expected.test(message.text),
      {
        since,
        timeoutMs,
      },
    )
  ).text;
}

beforeAll(async () => {
  if (!ROOT) return;
  database = await createTestDatabase();
  telegram = await FakeBotApi.start({ token: BOT_TOKEN, username: 'my_talon_bot' });
  llm = await startFakeOpenAi('sk-local-model-key-0123456789');
  llm.defaultReply = { answer: VERDICT };
  const githubAddress = `127.${randomInt(1, 250)}.${randomInt(1, 250)}.${randomInt(2, 250)}`;
  github = await FakeGithubApi.start({
    tls: true,
    host: githubAddress,
    port: 443,
    token: GITHUB_TOKEN,
    repositories: {
      'acme/shop': {
        private: true,
        pulls: {
          12: {
            title: 'Log in by name',
            author: 'mallory',
            base: 'main',
            headSha: 'c'.repeat(40),
            diff: DIFF,
          },
        },
      },
    },
  });
  const hosts = path.join(workdir, 'hosts');
  writeFileSync(hosts, `${readFileSync('/etc/hosts', 'utf8')}\n${githubAddress} api.github.com\n`);
  const port = await findFreePort();
  base = `http://127.0.0.1:${port}`;
  const child = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      'mount --bind "$0" /etc/hosts && exec "$@"',
      hosts,
      process.execPath,
      'core/src/main.ts',
    ],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: workdir,
        DATABASE_URL: database.url,
        PORT: String(port),
        ADMIN_PASSWORD,
        SECRET_KEY_BASE: 'issue-14-done-when-secret-key-base-0123456789',
        DATA_DIR: path.join(workdir, 'data'),
        LOG_LEVEL: 'warn',
        TELEGRAM_BOT_TOKEN: BOT_TOKEN,
        TELEGRAM_CHAT_ID: String(OWNER),
        TELEGRAM_API_ROOT: telegram.apiRoot,
        GITHUB_TOKEN,
        GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
        OPENAI_API_KEY: 'sk-local-model-key-0123456789',
        OPENAI_BASE_URL: `${llm.url}/v1`,
        OPENAI_MODEL: 'llama3.2',
        NODE_EXTRA_CA_CERTS: FakeGithubApi.caFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  talon = { child, output: () => output, exited: once(child, 'exit') };
  await waitForStatus(`${base}/health`, [200], 90_000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
  });
  admin = new AdminHttp(base);
  await admin.login(ADMIN_PASSWORD);
  const enrol = await admin.request('POST', '/api/auth/totp/enrol');
  totpSecret = (enrol.body as { secret: string }).secret;
  expect((await admin.request('POST', '/api/auth/totp/confirm', { code: await code() })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  if (talon) {
    talon.child.kill('SIGTERM');
    await talon.exited;
  }
  await telegram?.close();
  await github?.close();
  await llm?.close();
  await database?.drop();
  rmSync(workdir, { recursive: true, force: true });
});

it.skipIf(!ROOT)(
  "runs /shell df -h with a code, refuses AlexClaw's bypass, reviews a signed GitHub delivery and runs a workflow from a signed POST",
  async () => {
    // The shell is off until the owner turns it on (with a code, 2FA being enrolled).
    expect(await ownerSays('/shell df -h', /disabled/)).toMatch(/turn shell\.enabled on/);
    const enabled = await admin.request('PUT', '/api/settings/shell.enabled', {
      value: true,
      totpCode: await code(),
    });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);

    // /shell df -h: a challenge bound to that command, the code, then the output.
    const challenge = await ownerSays('/shell df -h', /6-digit code/);
    expect(challenge).toMatch(/run “df -h”/);
    const since = telegram.sent.length;
    expect(await ownerSays(await code(), /Code accepted|wrong/)).toBe(
      'Code accepted: running “df -h”; the output follows.',
    );
    const output = await telegram.waitForSent((message) => message.text.startsWith('$ df -h'), {
      since,
      timeoutMs: 30_000,
    });
    expect(output.text).toMatch(/^\$ df -h\nExit: 0 \| Time: \d+ms\n\nFilesystem\s+Size/);

    // AlexClaw's bypass: refused at once, no code asked.
    const refused = await ownerSays('/shell cat /proc /etc/shadow', /Refused|code/);
    expect(refused).toMatch(/^Refused: “cat \/proc \/etc\/shadow” is not on the shell whitelist/);
    // A metacharacter: refused too.
    expect(await ownerSays('/shell df -h; cat /etc/shadow', /Refused|code/)).toMatch(/metacharacter ;/);

    // GitHub: the token is bound to api.github.com; a loopback answer needs the owner's opt-in.
    const optIn = await admin.request('PUT', '/api/settings/skills.http.allow_private_addresses', {
      value: true,
      totpCode: await code(),
    });
    expect(optIn.status, JSON.stringify(optIn.body)).toBe(200);
    const delivery = JSON.stringify({
      action: 'opened',
      number: 12,
      pull_request: {
        number: 12,
        title: 'Log in by name',
        html_url: 'https://github.com/acme/shop/pull/12',
        base: { ref: 'main' },
        head: { sha: 'c'.repeat(40) },
      },
      repository: { full_name: 'acme/shop' },
      sender: { login: 'mallory' },
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/webhooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': randomUUID(),
          ...headers,
        },
        body: delivery,
      });
    const unsigned = await post({});
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: 'github_signature_invalid' });
    const reviewSince = telegram.sent.length;
    const signed = await post({ 'x-hub-signature-256': githubSignature(WEBHOOK_SECRET, delivery) });
    expect(signed.status).toBe(200);
    expect(await signed.json()).toEqual({ status: 'accepted', review: 'queued' });
    const review = await telegram.waitForSent((message) => message.text.startsWith('Security review'), {
      since: reviewSince,
      timeoutMs: 60_000,
    });
    expect(review.text).toBe(
      [
        'Security review: acme/shop PR #12 — Log in by name',
        VERDICT,
        '1 file, +2 −1',
        'https://github.com/acme/shop/pull/12',
      ].join('\n'),
    );
    // The token went to the fake GitHub (and nowhere else), the diff to the model as untrusted text.
    expect(github.requests.map((request) => request.authorization)).toEqual([
      `Bearer ${GITHUB_TOKEN}`,
      `Bearer ${GITHUB_TOKEN}`,
    ]);
    expect(JSON.stringify(llm.requests.at(-1)?.body)).toContain('DEBUG_PASSWORD');
    expect(JSON.stringify(llm.requests.at(-1)?.body)).not.toContain(GITHUB_TOKEN);
    // The same review asked for from the chat.
    const asked = telegram.sent.length;
    expect(await ownerSays('/github pr acme/shop 12', /Reviewing|Usage/)).toBe(
      'Reviewing acme/shop PR #12: the verdict comes here when it is ready.',
    );
    await telegram.waitForSent((message) => message.text.startsWith('Security review: acme/shop PR #12'), {
      since: asked,
      timeoutMs: 60_000,
    });
    expect(await ownerSays('/github pr acme/shop twelve', /Reviewing|Usage|not/)).toMatch(
      /not a pull request number/,
    );

    // A workflow with a webhook trigger, started by a Standard Webhooks sender.
    const created = await admin.request('POST', '/api/workflows', {
      name: 'Inbound orders',
      steps: [{ id: 'wrap', name: 'Wrap', skill: 'echo', config: { wrap: 'order' } }],
    });
    expect(created.status).toBe(201);
    const workflowId = (created.body as { id: string }).id;
    const trigger = await admin.request('PUT', `/api/workflows/${workflowId}/webhook`, {
      enabled: true,
      wait: true,
      totpCode: await code(),
    });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(200);
    const secret = (trigger.body as { secret: string }).secret;
    const body = JSON.stringify({ id: 42, item: 'keyboard' });
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const run = await fetch(`${base}/webhooks/workflows/${workflowId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook(secret, id, timestamp, body),
      },
      body,
    });
    expect(run.status).toBe(200);
    expect(await run.json()).toMatchObject({
      status: 'completed',
      output: { order: { id: 42, item: 'keyboard' } },
      duplicate: false,
    });

    // A requires-2FA workflow started by a webhook waits for its code, and the owner hears of it.
    const guarded = await admin.request('POST', '/api/workflows', {
      name: 'Pay invoice',
      requires2fa: true,
      steps: [{ id: 'pay', name: 'Pay', skill: 'echo' }],
    });
    const guardedId = (guarded.body as { id: string }).id;
    const guardedTrigger = await admin.request('PUT', `/api/workflows/${guardedId}/webhook`, {
      enabled: true,
      wait: false,
      totpCode: await code(),
    });
    const guardedSecret = (guardedTrigger.body as { secret: string }).secret;
    const waitingSince = telegram.sent.length;
    const invoice = JSON.stringify({ invoice: 7 });
    const invoiceId = `msg_${randomUUID()}`;
    const waiting = await fetch(`${base}/webhooks/workflows/${guardedId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': invoiceId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook(guardedSecret, invoiceId, timestamp, invoice),
      },
      body: invoice,
    });
    expect(waiting.status).toBe(202);
    const { runId } = (await waiting.json()) as { runId: string; status: string };
    const announced = await telegram.waitForSent((message) => /Pay invoice/.test(message.text), {
      since: waitingSince,
      timeoutMs: 30_000,
    });
    expect(announced.text).toBe(
      `Workflow “Pay invoice” (run ${runId.slice(0, 8)}, webhook) waits for a 2FA code: approve it in the admin, or send /approve ${runId.slice(0, 8)}.`,
    );
    // …and approves it from the chat, as the announcement says.
    expect(await ownerSays(`/approve ${runId.slice(0, 8)}`, /6-digit code|No run/)).toMatch(
      /run “Pay invoice”.*6-digit code/s,
    );
    expect(await ownerSays(await code(), /Code accepted|wrong/)).toMatch(
      new RegExp(`^Code accepted: run ${runId.slice(0, 8)} of “Pay invoice”`),
    );
    await expect
      .poll(
        async () =>
          ((await admin.request('GET', `/api/workflows/runs/${runId}`)).body as RunDetail).run.status,
        {
          timeout: 30_000,
        },
      )
      .toBe('completed');
    expect(await ownerSays(`/approve ${runId.slice(0, 8)}`, /6-digit code|No run/)).toBe(
      `No run waiting for a code starts with ${runId.slice(0, 8)}.`,
    );
  },
  180_000,
);

it.skipIf(!ROOT)(
  'runs the shell step of a workflow only in a run approved with a code, and edits the whitelist with a code',
  async () => {
    // A shell step makes the workflow require 2FA; saved without it, it is refused.
    const unguarded = await admin.request('POST', '/api/workflows', {
      name: 'Disk check',
      steps: [{ id: 'disk', name: 'Disk', skill: 'shell', config: { command: 'df -h' } }],
    });
    expect(unguarded.status).toBe(400);
    expect(JSON.stringify(unguarded.body)).toMatch(/a workflow with a shell step always requires 2FA/);
    const created = await admin.request('POST', '/api/workflows', {
      name: 'Disk check',
      requires2fa: true,
      steps: [
        { id: 'disk', name: 'Disk', skill: 'shell', config: { command: 'df -h' } },
        { id: 'tell', name: 'Tell', skill: 'telegram_notify', config: { title: 'Disk report' } },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const prompt = await ownerSays('/run Disk check', /6-digit code/);
    expect(prompt).toMatch(/run “Disk check”/);
    const since = telegram.sent.length;
    expect(await ownerSays(await code(), /Code accepted|wrong/)).toMatch(
      /Code accepted: run [0-9a-f]{8} of “Disk check”/,
    );
    const report = await telegram.waitForSent((message) => message.text.startsWith('Disk report'), {
      since,
      timeoutMs: 30_000,
    });
    expect(report.text).toMatch(/^Disk report\n\$ df -h\nExit: 0 \| Time: \d+ms\n\nFilesystem/);

    // The admin's Shell screen: the whitelist, checked entry by entry, and changed with a code.
    const status = await admin.request('GET', '/api/shell');
    expect(status.body).toMatchObject({ enabled: true, isolation: { up: true }, whitelistNeedsCode: true });
    const bad = await admin.request('PUT', '/api/shell/whitelist', {
      entries: ['uptime', 'git log -n <int 50-1>'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: 'whitelist_invalid',
      problems: [
        {
          index: 1,
          path: '/entries/1',
          text: 'git log -n <int 50-1>',
          message: '<int 50-1>: 50 is more than 1',
        },
      ],
    });
    const noCode = await admin.request('PUT', '/api/shell/whitelist', { entries: ['uptime'] });
    expect(noCode.status).toBe(403);
    const changed = await admin.request('PUT', '/api/shell/whitelist', {
      entries: ['uptime', 'echo <enum hello|bye>'],
      totpCode: await code(),
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ whitelist: ['uptime', 'echo <enum hello|bye>'] });
    // Running from the admin needs a code for exactly that command.
    expect((await admin.request('POST', '/api/shell/run', { command: 'echo hello' })).status).toBe(403);
    const ran = await admin.request('POST', '/api/shell/run', {
      command: 'echo hello',
      totpCode: await code(),
    });
    expect(ran.body).toMatchObject({
      ok: true,
      branch: 'on_success',
      text: expect.stringMatching(/^\$ echo hello\nExit: 0 \| Time: \d+ms\n\nhello\n$/),
    });
    // df -h is off the whitelist now: refused, with a code or without.
    const refused = await admin.request('POST', '/api/shell/run', {
      command: 'df -h',
      totpCode: await code(),
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'shell_not_whitelisted' });
  },
  120_000,
);
