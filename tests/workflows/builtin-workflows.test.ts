import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPool, type DatabasePool } from '@talon/core/db/pool.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { CHAT_WORKFLOW_NAME, seedBuiltinWorkflows } from '@talon/core/workflows/builtin-workflows.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { startTestNode, type TestNode } from './support/engine.ts';

// The workflows Talon ships are created once, at start, wired as boot wires them: the seed's
// bookkeeping on the main pool, the workflow engine on connections of its own.

let database: TestDatabase;
let enginePool: DatabasePool;
let node: TestNode;
const logger = createLogger('silent');

beforeAll(async () => {
  database = await createTestDatabase();
  enginePool = await openPool(database.url, 'the workflow engine', { resetSession: false });
  node = await startTestNode(database, {
    node: 'solo',
    pool: enginePool,
    runtime: new ScriptedRuntime(),
    catalog: new ManifestCatalog([manifest('conversational'), manifest('telegram_notify')]),
  });
});

afterAll(async () => {
  await node?.engine.stop();
  await enginePool?.end();
  await database?.drop();
});

function seed(): Promise<string[]> {
  return seedBuiltinWorkflows({ pool: database.pool, workflows: node.engine.service, logger });
}

async function chatWorkflows() {
  const all = await node.engine.workflows.list();
  return all.filter((workflow) => workflow.definition.name === CHAT_WORKFLOW_NAME);
}

describe('built-in workflows', () => {
  it('creates "chat" on the first start, answering with conversational then telegram_notify', async () => {
    expect(await seed()).toEqual([CHAT_WORKFLOW_NAME]);
    const [chat] = await chatWorkflows();
    expect(chat?.definition.steps.map((step) => step.skill)).toEqual(['conversational', 'telegram_notify']);
  });

  it('does not create it again at the next start, nor after the owner deleted it', async () => {
    expect(await seed()).toEqual([]);
    expect(await chatWorkflows()).toHaveLength(1);
    await node.engine.service.delete((await chatWorkflows())[0]!.id);
    expect(await seed()).toEqual([]);
    expect(await chatWorkflows()).toHaveLength(0);
  });
});
