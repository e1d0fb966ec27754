import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import {
  BOT_TOKEN,
  OWNER,
  startGatewayNode,
  waitConnected,
  type GatewayNode,
} from './support/gateway-harness.ts';

// The host side of the SkillAPI's telegram.send, as the skill runtime calls it.
let database: TestDatabase;
let fake: FakeBotApi;
let a: GatewayNode;
let b: GatewayNode;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await FakeBotApi.start({ token: BOT_TOKEN });
  a = await startGatewayNode(database, fake, { node: 'node-a' });
  b = await startGatewayNode(database, fake, { node: 'node-b' });
  await waitConnected(a);
  await waitConnected(b);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await fake?.close();
  await database?.drop();
});

it('sends plain text to the owner only, markup and links shown as text', async () => {
  await a.gateway.skillSender.sendForSkill('notes', 'Buy <b>milk</b> [here](https://evil.example)');
  expect(fake.sent.at(-1)).toMatchObject({
    chat_id: String(OWNER),
    text: 'Buy <b>milk</b> [here](https://evil.example)',
  });
  expect(fake.sent.at(-1)!.parse_mode).toBeUndefined();
});

it('with html, keeps b/i/u/s/code/pre and escapes everything else, links included', async () => {
  await b.gateway.skillSender.sendForSkill(
    'notes',
    '<b>Done</b> <i>today</i> <a href="https://evil.example">claim</a> <script>x</script> <b>open',
    { html: true },
  );
  const sent = fake.sent.at(-1)!;
  expect(sent.parse_mode).toBe('HTML');
  expect(sent.text).toBe(
    '<b>Done</b> <i>today</i> &lt;a href=&quot;https://evil.example&quot;&gt;claim&lt;/a&gt; &lt;script&gt;x&lt;/script&gt; <b>open</b>',
  );
});

it('refuses empty and over-long texts with a clear error', async () => {
  await expect(a.gateway.skillSender.sendForSkill('notes', '  ')).rejects.toMatchObject({
    code: 'invalid_argument',
  });
  await expect(a.gateway.skillSender.sendForSkill('notes', 'x'.repeat(4097))).rejects.toMatchObject({
    code: 'message_too_long',
    message: expect.stringContaining('at most 4096 characters'),
  });
});

it('allows at most 10 messages a minute per skill, counted across nodes', async () => {
  const outcomes = await Promise.allSettled(
    Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? a : b).gateway.skillSender.sendForSkill('chatty', `message ${i}`),
    ),
  );
  expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
  const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
  expect(refused).toHaveLength(2);
  expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'rate_limited' });
  expect(fake.sent.filter((message) => /^message \d+$/.test(message.text))).toHaveLength(10);
  // Another skill has its own budget.
  await a.gateway.skillSender.sendForSkill('quiet', 'still allowed');
});

it('refuses when no owner chat is set', async () => {
  await a.settings.set('telegram.chat_id', '');
  await expect.poll(async () => (await a.gateway.status()).chatIdSet).toBe(false);
  await expect(a.gateway.skillSender.sendForSkill('notes', 'hello')).rejects.toMatchObject({
    code: 'telegram_not_configured',
  });
});
