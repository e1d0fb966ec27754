import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@talon/core/config/env.ts';
import { TelegramStepUpApprovals } from '@talon/core/gateway/step-up-approvals.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { createAppServices, type AppServices } from '@talon/core/app-services.ts';
import { buildApp } from '@talon/core/server/app.ts';
import {
  enrolTotp,
  loginAsAdmin,
  nextStepTotpCode,
  forgetUsedTotpCodes,
  type AdminSession,
} from '@talon/core/testing/admin-session.ts';
import { installResponseCheck } from '@talon/core/testing/response-check.ts';
import { TEST_ADMIN_PASSWORD, TEST_SECRET_KEY_BASE } from '@talon/core/testing/test-app.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import {
  ask,
  BOT_TOKEN,
  OWNER,
  STRANGER,
  startGatewayNode,
  waitConnected,
  type GatewayNode,
} from './support/gateway-harness.ts';

// The admin's Telegram screen API and the public webhook, through the real Fastify app.
let database: TestDatabase;
let fake: FakeBotApi;
let node: GatewayNode;
let app: FastifyInstance;
let services: AppServices;
let session: AdminSession;
let secret: string;
const logLines: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await FakeBotApi.start({ token: BOT_TOKEN, username: 'owners_talon_bot' });
  node = await startGatewayNode(database, fake, { logLines });
  const approvals = new TelegramStepUpApprovals({
    settings: node.settings,
    grants: node.gateway.grants,
    audit: node.audit,
  });
  approvals.attach(node.gateway);
  const wiring = {
    config: loadConfig({
      NODE_ENV: 'test',
      SECRET_KEY_BASE: TEST_SECRET_KEY_BASE,
      ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    }),
    logger: createLogger('silent'),
    pool: database.pool,
    settings: node.settings,
    audit: node.audit,
  };
  services = createAppServices({ ...wiring, wrapStepUp: (stepUp) => approvals.wrap(stepUp) });
  app = await buildApp({
    ...wiring,
    secretKeyBase: TEST_SECRET_KEY_BASE,
    services,
    instrument: installResponseCheck,
    adminUiDir: '/nonexistent/talon-admin-ui',
    telegram: node.gateway,
    workflowEngine: node.engine,
  });
  await app.ready();
  await waitConnected(node);
  session = await loginAsAdmin(app, TEST_ADMIN_PASSWORD);
});
afterAll(async () => {
  await app?.close();
  services?.stop();
  await node?.stop();
  await fake?.close();
  await database?.drop();
});

const get = () => app.inject({ method: 'GET', url: '/api/telegram', headers: session.headers });
const put = (url: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'PUT', url, headers: session.headers, payload });

describe('the Telegram screen API', () => {
  it('needs the admin session', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/telegram' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/telegram/test-message' })).statusCode).toBe(401);
  });

  it('shows who the bot is, which node polls, the last update and the refused chat ids', async () => {
    fake.message({ chatId: STRANGER, text: 'hi, am I the owner?' });
    await ask(fake, '/ping');
    const status = (await get()).json();
    expect(status).toMatchObject({
      state: 'connected',
      mode: 'polling',
      bot: { username: 'owners_talon_bot' },
      chatId: String(OWNER),
      activeNode: 'node-a',
      node: 'node-a',
      lastError: null,
      refusedChats: [{ chatId: String(STRANGER), chatType: 'private', count: 1 }],
    });
    expect(Date.now() - Date.parse(status.lastUpdateAt)).toBeLessThan(60_000);
    expect(status.announcements).toContainEqual(
      expect.objectContaining({ kind: 'workflow_failed', enabled: true }),
    );
  });

  it('sends a test message to the owner', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/telegram/test-message',
      headers: session.headers,
    });
    expect(response.json()).toEqual({ sent: true });
    expect(fake.sentTo(OWNER).at(-1)!.text).toMatch(/^Test message from Talon \(node node-a\)/);
  });

  it('before 2FA is enrolled, switches announcements without a code', async () => {
    const response = await put('/api/telegram/preferences', { announcements: { circuit_opened: false } });
    expect(response.statusCode).toBe(200);
    expect(node.settings.getBoolean('telegram.announce.circuit_opened', true)).toBe(false);
    expect(
      (await put('/api/telegram/preferences', { announcements: { no_such_kind: true } })).statusCode,
    ).toBe(400);
  });

  it('chooses the workflow that answers free text among the workflows, by its own name', async () => {
    for (const name of ['Chat with memory', 'Chat digest']) {
      await node.engine.service.create({ name, steps: [{ id: 'e', name: 'Echo', skill: 'echo' }] });
    }
    const chosen = await put('/api/telegram/preferences', { freeTextWorkflow: 'chat with' });
    expect(chosen.statusCode).toBe(200);
    expect(chosen.json().freeTextWorkflow).toBe('Chat with memory');
    expect(node.settings.getString('telegram.free_text_workflow')).toBe('Chat with memory');

    const unknown = await put('/api/telegram/preferences', { freeTextWorkflow: 'Weather' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/No workflow is named “Weather”/);
    const ambiguous = await put('/api/telegram/preferences', { freeTextWorkflow: 'chat' });
    expect(ambiguous.statusCode).toBe(400);
    expect(ambiguous.json().message).toMatch(/names 2 workflows/);
    expect((await get()).json().freeTextWorkflow).toBe('Chat with memory');

    expect((await put('/api/telegram/preferences', { freeTextWorkflow: '' })).json().freeTextWorkflow).toBe(
      '',
    );
  });

  it('once 2FA is enrolled, changing the token, chat id, mode, API root or a switch needs a code', async () => {
    secret = await enrolTotp(app, session);
    expect((await get()).json().codeNeeded).toEqual({ connection: true, preferences: true });
    const noCode = await put('/api/telegram/connection', { chatId: '999' });
    expect(noCode.statusCode).toBe(403);
    expect(noCode.json()).toMatchObject({ error: 'totp_required' });
    expect(node.settings.getString('telegram.chat_id')).toBe(String(OWNER));
    // The generic settings API applies the same rule.
    expect((await put('/api/settings/telegram.chat_id', { value: '999' })).statusCode).toBe(403);
    expect(
      (await put('/api/telegram/preferences', { announcements: { circuit_opened: true } })).statusCode,
    ).toBe(403);
    expect(node.settings.getBoolean('telegram.announce.circuit_opened', true)).toBe(false);
    // Malformed values are refused before any code is spent.
    expect(
      (await put('/api/telegram/connection', { chatId: 'not-a-number', totpCode: '123456' })).statusCode,
    ).toBe(400);
    expect(
      (await put('/api/telegram/connection', { apiRoot: 'ftp://x', totpCode: '123456' })).statusCode,
    ).toBe(400);
  });
});

describe('a bad token', () => {
  it('is reported once, in the log and the admin, and a good token brings the bot back', async () => {
    const changed = await put('/api/telegram/connection', {
      botToken: '7000001:wrong-token',
      totpCode: await nextStepTotpCode(secret),
    });
    expect(changed.statusCode).toBe(200);
    await expect.poll(async () => (await get()).json().state).toBe('bad_token');
    const getMeCalls = () => fake.calls.filter((call) => call.method === 'getMe').length;
    const calls = getMeCalls();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(getMeCalls()).toBe(calls);
    expect((await get()).json()).toMatchObject({
      bot: null,
      lastError: expect.stringMatching(/401 Unauthorized/),
    });
    const reports = logLines.filter((line) => line.includes('Telegram refused the bot token'));
    expect(reports).toHaveLength(1);
    expect(logLines.join('\n')).not.toContain('wrong-token');

    await forgetUsedTotpCodes(database.pool);
    const fixed = await put('/api/telegram/connection', {
      botToken: BOT_TOKEN,
      totpCode: await nextStepTotpCode(secret),
    });
    expect(fixed.statusCode).toBe(200);
    await expect.poll(async () => (await get()).json().state).toBe('connected');
    expect(await ask(fake, '/ping')).toBe('pong from node-a');
  });
});

describe('admin step-ups approved from Telegram', () => {
  it('asks the chat for a code bound to that exact action; the grant works once, for that action only', async () => {
    await forgetUsedTotpCodes(database.pool);
    const on = await put('/api/telegram/preferences', {
      approveAdminStepUps: true,
      totpCode: await nextStepTotpCode(secret),
    });
    expect(on.statusCode).toBe(200);
    const plainHttp = () => put('/api/settings/skills.http.allow_plain_http', { value: true });

    const before = fake.sent.length;
    const asked = await plainHttp();
    expect(asked.statusCode).toBe(403);
    expect(asked.json()).toMatchObject({
      error: 'totp_required',
      message: expect.stringMatching(/send it in your Telegram chat/),
    });
    const prompt = await fake.waitForSent(() => true, { since: before });
    expect(prompt.text).toMatch(
      /^The admin asks: approve settings\.update of skills\.http\.allow_plain_http in the admin\?/,
    );

    await forgetUsedTotpCodes(database.pool);
    expect(await ask(fake, await nextStepTotpCode(secret))).toMatch(
      /^Approved: approve settings\.update of skills\.http\.allow_plain_http/,
    );
    // Another action is not covered by that approval: it asks again.
    expect((await put('/api/settings/skills.http.allow_private_addresses', { value: true })).statusCode).toBe(
      403,
    );
    expect(node.settings.getBoolean('skills.http.allow_private_addresses', true)).toBe(false);
    // The approved one goes through once, without a typed code.
    expect((await plainHttp()).statusCode).toBe(200);
    expect(node.settings.getBoolean('skills.http.allow_plain_http', false)).toBe(true);
    expect((await put('/api/settings/skills.http.allow_plain_http', { value: false })).statusCode).toBe(403);
    expect(node.settings.getBoolean('skills.http.allow_plain_http', false)).toBe(true);
  });
});

describe('webhook mode', () => {
  const post = (update: Record<string, unknown>, secretHeader?: string) =>
    app.inject({
      method: 'POST',
      url: '/webhooks/telegram',
      headers: secretHeader === undefined ? {} : { 'x-telegram-bot-api-secret-token': secretHeader },
      payload: update,
    });

  it('registers the webhook at server.public_url with a generated secret and stops polling', async () => {
    await forgetUsedTotpCodes(database.pool);
    const response = await put('/api/telegram/preferences', {
      publicUrl: 'https://talon.example.org/',
      totpCode: await nextStepTotpCode(secret),
    });
    expect(response.statusCode).toBe(200);
    await forgetUsedTotpCodes(database.pool);
    expect(
      (await put('/api/telegram/connection', { mode: 'webhook', totpCode: await nextStepTotpCode(secret) }))
        .statusCode,
    ).toBe(200);
    await expect.poll(() => fake.webhook?.url).toBe('https://talon.example.org/webhooks/telegram');
    expect(fake.webhook!.secret_token).toBe(node.settings.getString('telegram.webhook_secret'));
    expect(fake.webhook!.secret_token!.length).toBeGreaterThanOrEqual(32);
    expect((await get()).json()).toMatchObject({
      mode: 'webhook',
      webhookUrl: 'https://talon.example.org/webhooks/telegram',
    });
    const polls = fake.calls.filter((call) => call.method === 'getUpdates').length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.calls.filter((call) => call.method === 'getUpdates').length).toBe(polls);
  });

  it('refuses calls without the secret header or with a wrong one, and handles nothing', async () => {
    const before = fake.sent.length;
    const update = { update_id: 900_001, message: fake.buildMessage({ chatId: OWNER, text: '/ping' }) };
    const missing = await post(update);
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({
      error: 'telegram_webhook_secret',
      message: 'Missing or wrong X-Telegram-Bot-Api-Secret-Token',
    });
    expect((await post(update, 'guessed-secret')).statusCode).toBe(401);
    expect(
      (await post({ message: 'no update id' }, node.settings.getString('telegram.webhook_secret')))
        .statusCode,
    ).toBe(400);
    expect(fake.sent.length).toBe(before);
  });

  it('handles an update with the right secret (once, even when Telegram retries it); strangers still get nothing', async () => {
    const secretToken = node.settings.getString('telegram.webhook_secret');
    const before = fake.sent.length;
    const update = { update_id: 900_002, message: fake.buildMessage({ chatId: OWNER, text: '/ping' }) };
    expect((await post(update, secretToken)).statusCode).toBe(200);
    expect((await post(update, secretToken)).statusCode).toBe(200);
    expect(
      (
        await post(
          { update_id: 900_003, message: fake.buildMessage({ chatId: STRANGER, text: '/ping' }) },
          secretToken,
        )
      ).statusCode,
    ).toBe(200);
    expect(fake.sent.slice(before).map((message) => [message.chat_id, message.text])).toEqual([
      [String(OWNER), 'pong from node-a'],
    ]);
  });
});
