import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { totpCodeAt, TOTP_PERIOD_SECONDS } from '@talon/core/auth/totp.ts';
import { findFreePort } from '@talon/core/db/embedded-postgres.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import { spawnTalon, waitForStatus, type TalonProcess } from '../support/talon-process.ts';
import { AdminHttp } from './support/admin-http.ts';
import { BOT_TOKEN, OWNER, STRANGER } from './support/gateway-harness.ts';

// The issue's "Done when", as a new user would try it: `pnpm start`'s entry point with
// TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID and TELEGRAM_API_ROOT pointing at a Bot API of our own.
const ADMIN_PASSWORD = 'telegram done-when password 0815';
let database: TestDatabase;
let fake: FakeBotApi;
let talon: TalonProcess;
let admin: AdminHttp;
const dataDir = mkdtempSync(path.join(tmpdir(), 'talon-telegram-'));

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await FakeBotApi.start({ token: BOT_TOKEN, username: 'my_talon_bot' });
  const port = await findFreePort();
  talon = spawnTalon('core/src/main.ts', {
    DATABASE_URL: database.url,
    PORT: String(port),
    ADMIN_PASSWORD,
    SECRET_KEY_BASE: 'telegram-done-when-secret-key-base-0123456789',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    TALON_NODE_NAME: 'home-server',
    TELEGRAM_BOT_TOKEN: BOT_TOKEN,
    TELEGRAM_CHAT_ID: String(OWNER),
    TELEGRAM_API_ROOT: fake.apiRoot,
  });
  await waitForStatus(`http://127.0.0.1:${port}/health`, [200], 60_000);
  admin = new AdminHttp(`http://127.0.0.1:${port}`);
  await admin.login(ADMIN_PASSWORD);
}, 90_000);

afterAll(async () => {
  talon?.child.kill('SIGTERM');
  await talon?.exited;
  await fake?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function ownerSays(text: string, expected: RegExp): Promise<string> {
  const since = fake.sent.length;
  fake.message({ chatId: OWNER, text });
  return (
    await fake.waitForSent((message) => message.chat_id === String(OWNER) && expected.test(message.text), {
      since,
      timeoutMs: 30_000,
    })
  ).text;
}

it('answers the owner, ignores others, enrols 2FA, runs a 2FA workflow with a code and announces a failed run', async () => {
  // /ping from the owner; from another chat, nothing at all.
  expect(await ownerSays('/ping', /pong/)).toBe('pong from home-server');
  fake.message({ chatId: STRANGER, text: '/ping' });
  expect(await ownerSays('/help', /Commands:/)).toMatch(/\/run <name or id prefix>/);
  expect(fake.sentTo(STRANGER)).toEqual([]);
  expect(fake.commands.map((command) => command.command)).toEqual(
    expect.arrayContaining(['ping', 'run', 'skills']),
  );

  // /skills lists the core skills Talon ships, with kind and circuit.
  const skills = await ownerSays('/skills', /skills loaded/);
  expect(skills).toMatch(/• echo — core, circuit closed/);
  expect(skills).toMatch(/• json_transform — core/);

  // Enrol 2FA from Telegram: the otpauth URI, then a code; the URI message is deleted afterwards.
  const enrolment = await ownerSays('/setup 2fa', /otpauth:\/\//);
  const secret = /key: ([A-Z2-7]+)/.exec(enrolment)![1]!;
  const uriMessage = fake.sent.find((message) => message.text === enrolment)!;
  const now = Date.now() / 1000;
  expect(await ownerSays(`/confirm 2fa ${await totpCodeAt(secret, now)}`, /2FA/)).toBe(
    '2FA enabled. Sensitive commands now ask for a code.',
  );
  await expect
    .poll(() => fake.deleted.map((entry) => entry.message_id), { timeout: 10_000 })
    .toContain(uriMessage.message_id);

  // A requires-2FA workflow, created in the admin; run from Telegram, approved with a code.
  const created = await admin.request('POST', '/api/workflows', {
    name: 'Backup notes',
    requires2fa: true,
    steps: [{ id: 'copy', name: 'Copy', skill: 'echo', config: { wrap: 'copied' } }],
  });
  expect(created.status).toBe(201);
  const prompt = await ownerSays('/run "Backup notes" {"folder":"notes"}', /6-digit code/);
  expect(prompt).toMatch(/run “Backup notes”/);
  // The confirm used this 30-s step's code; the next step's code is accepted (±1 step) and unused.
  const accepted = await ownerSays(
    await totpCodeAt(secret, now + TOTP_PERIOD_SECONDS),
    /Code accepted|wrong|used/,
  );
  expect(accepted).toMatch(/Code accepted: run [0-9a-f]{8} of “Backup notes”/);
  const runs = await ownerSays('/runs', /Latest/);
  await expect
    .poll(async () => (await ownerSays('/runs', /Latest/)).match(/Backup notes — (\w+)/)?.[1], {
      timeout: 20_000,
      interval: 300,
    })
    .toBe('completed');
  expect(runs).toMatch(/Backup notes/);

  // A run that fails (its step loops past the step budget) is announced in the chat.
  const failing = await admin.request('POST', '/api/workflows', {
    name: 'Loops forever',
    stepBudget: 2,
    steps: [{ id: 'again', name: 'Again', skill: 'echo', routes: { on_success: 'again' } }],
  });
  expect(failing.status).toBe(201);
  const since = fake.sent.length;
  expect(await ownerSays('/run Loops', /Started/)).toMatch(/Started “Loops forever”/);
  const announcement = await fake.waitForSent(
    (message) => /Workflow “Loops forever” failed/.test(message.text),
    {
      since,
      timeoutMs: 30_000,
    },
  );
  expect(announcement.text).toMatch(/at step again: .*step/i);
  expect(announcement.parse_mode).toBeUndefined();
}, 120_000);
