import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { FakeBotApi, type FakeBotApiOptions } from '../../fakes/telegram-bot-api.ts';
import {
  BOT_TOKEN,
  startGatewayNode,
  waitConnected,
  type GatewayNode,
  type NodeOptions,
} from './gateway-harness.ts';

/** What a test file of the gateway works with, once its `beforeAll` has run. */
export interface GatewayBed {
  readonly database: TestDatabase;
  readonly fake: FakeBotApi;
  /** The nodes, in the order their options were given, each connected to the fake Bot API. */
  readonly nodes: readonly GatewayNode[];
  /** The first node. */
  readonly node: GatewayNode;
}

function ready<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the gateway bed is used before its beforeAll ran');
  return value;
}

/**
 * A test file's own database, fake Bot API and gateway nodes (one per entry of `nodes`): started
 * and connected before its tests, stopped after them.
 */
export function useGatewayBed(
  nodes: readonly NodeOptions[] = [{}],
  fakeOptions: Partial<FakeBotApiOptions> = {},
): GatewayBed {
  let database: TestDatabase | undefined;
  let fake: FakeBotApi | undefined;
  const started: GatewayNode[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await FakeBotApi.start({ token: BOT_TOKEN, ...fakeOptions });
    for (const options of nodes) started.push(await startGatewayNode(database, fake, options));
    for (const node of started) await waitConnected(node);
  });
  afterAll(async () => {
    for (const node of started) await node.stop();
    await fake?.close();
    await database?.drop();
  });
  return {
    get database() {
      return ready(database);
    },
    get fake() {
      return ready(fake);
    },
    get nodes() {
      return started;
    },
    get node() {
      return ready(started[0]);
    },
  };
}
