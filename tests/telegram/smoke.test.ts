import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import { ask, BOT_TOKEN, startGatewayNode, waitConnected, type GatewayNode } from './support/gateway-harness.ts';

let database: TestDatabase;
let fake: FakeBotApi;
let node: GatewayNode;
beforeAll(async () => {
  database = await createTestDatabase();
  fake = await FakeBotApi.start({ token: BOT_TOKEN });
  node = await startGatewayNode(database, fake);
  await waitConnected(node);
});
afterAll(async () => {
  await node?.stop();
  await fake?.close();
  await database?.drop();
});

it('ping', async () => {
  expect(await ask(fake, '/ping')).toBe('pong from node-a');
});
