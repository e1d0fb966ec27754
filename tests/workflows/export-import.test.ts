import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { InvalidDefinitionError } from '@talon/core/workflows/errors.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { startTestNode, type TestNode } from './support/engine.ts';
import { waitFor } from './support/wait.ts';

let database: TestDatabase;
let node: TestNode;
const runtime = new ScriptedRuntime()
  .define('fetch', () => ({ result: ['a', 'b'], branch: 'on_items' }))
  .define('notify', (input) => ({ result: { sent: input }, branch: 'on_delivered' }))
  .define('backup', () => ({ result: 'backup' }));
const catalog = new ManifestCatalog([
  manifest('fetch', {
    version: '1.2.0',
    routes: ['on_items', 'on_empty', 'on_error'],
    configSchema: { type: 'object' },
  }),
  manifest('notify', { version: '2.0.1', routes: ['on_delivered', 'on_error'] }),
  manifest('backup'),
]);

const DEFINITION = {
  name: 'daily digest',
  description: 'fetch, then notify',
  schedule: { cron: '0 7 * * *', timezone: 'Europe/Paris', missedRunPolicy: 'run_once' },
  maxConcurrentRuns: 2,
  steps: [
    {
      id: 'fetch',
      name: 'Fetch',
      skill: 'fetch',
      config: { url: 'https://example.com/feed' },
      routes: { on_items: 'notify', on_empty: 'end' },
      retry: { maxAttempts: 3, backoffMs: 1000 },
    },
    { id: 'notify', name: 'Notify', skill: 'notify', onUnavailable: 'fallback', fallbackSkill: 'backup' },
  ],
};

beforeAll(async () => {
  database = await createTestDatabase();
  node = await startTestNode(database, { node: 'solo', runtime, catalog });
});

afterAll(async () => {
  await node?.engine.stop();
  await database?.drop();
});

async function workflowCount(): Promise<number> {
  return (await node.engine.workflows.list()).length;
}

async function importProblems(document: unknown): Promise<Record<string, string>> {
  const before = await workflowCount();
  const error = await node.engine.service.importDocument(document).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidDefinitionError);
  expect(await workflowCount()).toBe(before); // never half-imports
  return Object.fromEntries(
    (error as InvalidDefinitionError).problems.map((problem) => [problem.path, problem.message]),
  );
}

describe('export and import', () => {
  it('round-trips a workflow through one JSON document, which then runs', async () => {
    const original = await node.engine.service.create(DEFINITION);
    const document = JSON.parse(JSON.stringify(await node.engine.service.exportDocument(original.id)));
    expect(document).toMatchObject({
      format: 'talon-workflow',
      formatVersion: 1,
      skills: [
        { name: 'fetch', version: '1.2.0' },
        { name: 'notify', version: '2.0.1' },
        { name: 'backup', version: null },
      ],
    });
    await node.engine.service.delete(original.id);
    const imported = await node.engine.service.importDocument(document);
    expect(imported.definition).toEqual(original.definition);
    expect(imported.id).not.toBe(original.id);

    const run = await node.engine.service.trigger(imported.id, { trigger: 'api', actor: 'admin' });
    const done = await waitFor(async () => {
      const current = await node.engine.runs.get(run.id);
      return current.status === 'completed' ? current : undefined;
    }, 'the imported workflow to run');
    expect(done.output).toEqual({ sent: ['a', 'b'] });
  });

  it('imports under another name when asked, and refuses a name that exists', async () => {
    const document = await node.engine.service.exportDocument(
      (await node.engine.service.create({ ...DEFINITION, name: 'twin' })).id,
    );
    await expect(node.engine.service.importDocument(document)).rejects.toMatchObject({
      code: 'workflow_name_taken',
    });
    expect((await node.engine.service.importDocument(document, 'twin (copy)')).definition.name).toBe(
      'twin (copy)',
    );
  });

  it('reports every problem of a bad document with its JSON path, and writes nothing', async () => {
    expect(await importProblems({ format: 'n8n', workflow: [], extra: 1 })).toMatchObject({
      '/format': 'must be equal to constant',
      '/formatVersion': 'missing required field "formatVersion"',
      '/skills': 'missing required field "skills"',
      '/workflow': 'must be object',
      '/': 'unknown field "extra"',
    });
  });

  it('reports skills that are missing or installed at an incompatible version', async () => {
    const document = {
      format: 'talon-workflow',
      formatVersion: 1,
      skills: [
        { name: 'fetch', version: '2.0.0' },
        { name: 'translate', version: '1.0.0' },
      ],
      workflow: {
        name: 'needs more',
        steps: [
          {
            id: 'fetch',
            name: 'Fetch',
            skill: 'fetch',
            skillVersion: '2.0.0',
            routes: { on_items: 'translate' },
          },
          {
            id: 'translate',
            name: 'Translate',
            skill: 'translate',
            skillVersion: '1.0.0',
            routes: { on_sucess: 'nowhere' },
          },
        ],
      },
    };
    expect(await importProblems(document)).toMatchObject({
      '/skills/0/version': 'needs fetch 2.0.0, but 1.2.0 is installed (incompatible)',
      '/skills/1': 'skill "translate" is not installed',
      '/workflow/steps/0/skillVersion': 'designed for fetch 2.0.0, but 1.2.0 is installed (incompatible)',
      '/workflow/steps/1/skill': 'skill "translate" is not installed',
      '/workflow/steps/1/routes/on_sucess': 'goes to "nowhere", which is neither a step id nor "end"',
    });
  });
});
