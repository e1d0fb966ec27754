// A Talon workflow node in a process of its own, for the killed-node test: the parent kills it with
// SIGKILL while a run is in flight. Reads DATABASE_URL and NODE_NAME; prints "ready" once working.
import { createLogger } from '../../../core/src/logging/logger.ts';
import { openPool } from '../../../core/src/db/pool.ts';
import { createWorkflowEngine } from '../../../core/src/workflows/engine.ts';
import { ManifestCatalog } from '../../../core/src/workflows/skill-catalog.ts';
import { manifest } from '../../../core/src/workflows/testing/definitions.ts';
import {
  ScriptedRuntime,
  type ScriptedAnswer,
} from '../../../core/src/workflows/testing/scripted-runtime.ts';
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
