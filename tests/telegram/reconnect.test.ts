import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import {
  ask,
  BOT_TOKEN,
  startGatewayNode,
  waitConnected,
  type GatewayNode,
} from './support/gateway-harness.ts';

// Telegram (or the network to it) fails now and then: the gateway tries again, pausing first
// `telegram.poll_interval` (1 s) and doubling, and never gives up on a failure that is not the token's.
let database: TestDatabase;
let fake: FakeBotApi;
let node: GatewayNode;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await FakeBotApi.start({ token: BOT_TOKEN });
});
afterAll(async () => {
  await node?.stop();
  await fake?.close();
  await database?.drop();
});

it('connects once getMe answers again, after reporting the outage', async () => {
  fake.failNext('getMe', 502, 'Bad Gateway');
  node = await startGatewayNode(database, fake);
  await expect
    .poll(async () => (await node.gateway.status()).lastError, { timeout: 5_000 })
    .toBe('502 Bad Gateway');
  expect((await node.gateway.status()).state).toBe('unreachable');
  await waitConnected(node);
  expect(fake.calls.filter((call) => call.method === 'getMe').length).toBe(2);
  expect(await ask(fake, '/ping')).toBe('pong from node-a');
});

it('goes on polling after a failed getUpdates, without losing the update that was waiting', async () => {
  fake.failNext('getUpdates', 500, 'Internal Server Error');
  // Wake the open long poll so the next getUpdates is the one that fails.
  expect(await ask(fake, '/ping')).toBe('pong from node-a');
  expect(await ask(fake, '/start')).toMatch(/^Talon is ready/);
  expect(fake.calls.filter((call) => call.method === 'getUpdates').length).toBeGreaterThan(2);
});
