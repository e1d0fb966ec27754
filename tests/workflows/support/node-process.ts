// A Talon workflow node in a process of its own, for the killed-node test: the parent kills it with
// SIGKILL while a run is in flight. Reads DATABASE_URL and NODE_NAME; prints "ready" once working.
import { createLogger } from '@talon/core/logging/logger.ts';
import { openPool } from '@talon/core/db/pool.ts';
import { createWorkflowEngine } from '@talon/core/workflows/engine.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime, type ScriptedAnswer } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { RecordingStepUp } from './step-up.ts';

const databaseUrl = process.env['DATABASE_URL']!;
const node = process.env['NODE_NAME']!;
const pool = await openPool(databaseUrl, 'the test database');
const runtime = new ScriptedRuntime().define('hang', () => new Promise<ScriptedAnswer>(() => undefined));
const engine = createWorkflowEngine({
  databaseUrl,
  pool,
  logger: createLogger('silent'),
  node,
  runtime,
  catalog: new ManifestCatalog([manifest('hang')]),
  stepUp: new RecordingStepUp(),
  scheduler: { leaseSeconds: 10, superviseIntervalSeconds: 1, periodicMissedCheck: false },
});
await engine.start();
process.stdout.write('ready\n');

// `trigger <workflowId> <count>` on stdin: this node receives that many runs at once (its fast
// path starts them here); answers one line with the runs as triggered.
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let newline: number;
  while ((newline = buffered.indexOf('\n')) >= 0) {
    const [command, workflowId, count] = buffered.slice(0, newline).trim().split(' ');
    buffered = buffered.slice(newline + 1);
    if (command !== 'trigger' || !workflowId) continue;
    void Promise.all(
      Array.from({ length: Number(count ?? 1) }, () =>
        engine.service.trigger(workflowId, { trigger: 'api', actor: 'admin' }),
      ),
    ).then((runs) => process.stdout.write(`${JSON.stringify(runs.map((run) => run.id))}\n`));
  }
});
