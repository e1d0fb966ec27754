import { sql } from 'slonik';
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

// Lease times are injected (100 ms renew, 600 ms expiry instead of 10 s / 30 s).
let database: TestDatabase;
let fake: FakeBotApi;
const nodes = new Map<string, GatewayNode>();

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await FakeBotApi.start({ token: BOT_TOKEN });
  for (const name of ['node-a', 'node-b'])
    nodes.set(name, await startGatewayNode(database, fake, { node: name }));
  for (const node of nodes.values()) await waitConnected(node);
});
afterAll(async () => {
  for (const node of nodes.values()) await node.stop();
  await fake?.close();
  await database?.drop();
});

async function holder(): Promise<string | null> {
  return (await nodes.values().next().value!.gateway.status()).activeNode;
}

async function pongFrom(): Promise<string[]> {
  const before = fake.sent.length;
  fake.message({ chatId: OWNER, text: '/ping' });
  await fake.waitForSent((message) => message.text.startsWith('pong'), { since: before });
  // Give a second poller (if there were one) the time to answer too.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return fake.sent.slice(before).map((message) => message.text);
}

it('two nodes: exactly one polls, and each update is answered once', async () => {
  const active = await holder();
  expect(['node-a', 'node-b']).toContain(active);
  expect(await pongFrom()).toEqual([`pong from ${active}`]);
  expect(await pongFrom()).toEqual([`pong from ${active}`]);
  expect(fake.maxConcurrentPolls).toBe(1);
});

it('a holder that cannot renew its lease stops polling at once; nobody answers until the lease is free', async () => {
  await database.pool.query(sql.unsafe`
    UPDATE telegram_gateway_lease SET holder = 'intruder', expires_at = now() + interval '1 hour' WHERE id = 1`);
  await expect.poll(() => fake.openPolls, { timeout: 5_000 }).toBe(0);
  const polls = fake.calls.filter((call) => call.method === 'getUpdates').length;
  fake.message({ chatId: OWNER, text: '/ping' });
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(fake.calls.filter((call) => call.method === 'getUpdates').length).toBe(polls);
  expect(fake.pendingUpdates).toHaveLength(1);

  // The intruder's lease lapses: a node takes over and answers the waiting update, once.
  const before = fake.sent.length;
  await database.pool.query(
    sql.unsafe`UPDATE telegram_gateway_lease SET expires_at = now() - interval '1 second' WHERE id = 1`,
  );
  const pong = await fake.waitForSent((message) => message.text.startsWith('pong'), { since: before });
  expect(pong.text).toMatch(/^pong from node-[ab]$/);
  expect(fake.maxConcurrentPolls).toBe(1);
});

it('when the holder dies, the other node takes over within the expiry and nothing is handled twice', async () => {
  const dead = (await holder())!;
  const survivor = dead === 'node-a' ? 'node-b' : 'node-a';
  const handledBefore = fake.sent.length;
  await nodes.get(dead)!.stop({ releaseLease: false });
  nodes.delete(dead);
  const started = Date.now();
  fake.message({ chatId: OWNER, text: '/ping' });
  const pong = await fake.waitForSent((message) => message.text.startsWith('pong'), { since: handledBefore });
  expect(pong.text).toBe(`pong from ${survivor}`);
  // 600 ms expiry, 100 ms renew: well within a few seconds even on a slow machine.
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(await holder()).toBe(survivor);
  expect(fake.sent.slice(handledBefore).filter((message) => message.text.startsWith('pong'))).toHaveLength(1);
  expect(fake.maxConcurrentPolls).toBe(1);
});

it('an update already recorded is never handled again, even when Telegram sends it again', async () => {
  const update = fake.message({ chatId: OWNER, text: '/ping' });
  await fake.waitForAcknowledged();
  const before = fake.sent.length;
  // As if the acknowledgement was lost (a crash after handling): the offset goes back and Telegram resends.
  await database.pool.query(
    sql.unsafe`UPDATE telegram_gateway_lease SET next_offset = ${update.update_id} WHERE id = 1`,
  );
  fake.inject({ ...update });
  await fake.waitForAcknowledged();
  fake.message({ chatId: OWNER, text: '/start' });
  await fake.waitForSent((message) => message.text.startsWith('Talon is ready'), { since: before });
  expect(fake.sent.slice(before).map((message) => message.text)).toEqual([
    expect.stringMatching(/^Talon is ready/),
  ]);
});
