import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import { sql } from 'slonik';
import { AuditLog } from '@talon/core/audit/audit-log.ts';
import { loadSettings } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { SettingsCipher } from '@talon/core/crypto/settings-cipher.ts';
import { startEmbeddedPostgres } from '@talon/core/db/embedded-postgres.ts';
import { migrateUp } from '@talon/core/db/migrate.ts';
import { openPool } from '@talon/core/db/pool.ts';
import { TalonError } from '@talon/core/errors.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { installErrorHandler } from '@talon/core/server/error-handler.ts';
import { registerSessionCookie } from '@talon/core/server/security/session-cookie.ts';
import { workflowRoutes } from '@talon/core/server/routes/workflows.ts';
import { DEFAULT_CORE_SKILLS_DIR } from '@talon/core/skills/core-skills.ts';
import { SkillLifecycle } from '@talon/core/skills/lifecycle.ts';
import { createTalonSkillRuntime } from '@talon/core/skills/talon-skill-runtime.ts';
import { createWorkflowEngine } from '@talon/core/workflows/engine.ts';
import { InstalledSkills } from '@talon/core/workflows/installed-skills.ts';

export interface TalonUnderTest {
  /** POST here (JSON body `{ input }`) runs the benchmark workflow and answers when it ended. */
  runUrl: string;
  /** Runs completed and step results persisted so far. */
  history(): Promise<{ completedRuns: number; stepResults: number }>;
  /** Where a run's time goes (medians over the last `limit` runs), for the log. */
  breakdown(limit: number): Promise<{ queuedMs: number; executingMs: number; stepMs: number }>;
  stop(): Promise<void>;
}

/**
 * One Talon node as production wires the workflow path: embedded PostgreSQL, migrations, the real
 * sandbox runtime with the shipped core skills, pg-boss, the /api/workflows routes on loopback.
 * The admin login and the general rate limit (600 requests/min per address) are not mounted:
 * the benchmark measures the workflow engine, not the login.
 */
export async function startTalonUnderTest(folder: string): Promise<TalonUnderTest> {
  const logger = createLogger('warn');
  mkdirSync(folder, { recursive: true });
  chmodSync(folder, 0o755);
  const embedded = await startEmbeddedPostgres({ clusterDir: path.join(folder, 'postgres'), logger });
  await migrateUp(embedded.url, logger);
  const pool = await openPool(embedded.url, 'the benchmark database', { maximumPoolSize: 20 });
  const secretKeyBase = randomBytes(48).toString('base64');
  const config = loadConfig({ NODE_ENV: 'production', SECRET_KEY_BASE: secretKeyBase, DATA_DIR: folder });
  const settings = await loadSettings(pool, new SettingsCipher(secretKeyBase), config, logger);
  const audit = new AuditLog(pool, logger);
  const runtime = createTalonSkillRuntime({ pool, settings, audit, logger });
  const installed = new InstalledSkills();
  const lifecycle = new SkillLifecycle({
    pool,
    audit,
    logger,
    runtime: installed.track(runtime),
    stepUp: {
      verify: async () => {
        throw new TalonError('totp_required', 'not used by the benchmark', 403);
      },
    },
    skillsDir: path.join(folder, 'skills'),
    coreSkillsDir: DEFAULT_CORE_SKILLS_DIR,
    watch: false,
  });
  await lifecycle.start();
  // As boot wires it: the engine's own connections, not reset between its statements.
  const enginePool = await openPool(embedded.url, 'the workflow engine', { resetSession: false });
  const engine = createWorkflowEngine({
    databaseUrl: embedded.url,
    pool: enginePool,
    logger,
    node: 'bench',
    runtime,
    catalog: installed,
    stepUp: { verify: async () => undefined },
    // The production default runConcurrency (32 per node) unless BENCH_RUN_CONCURRENCY says otherwise:
    // with the fast path a run takes a slot without a fetch, so enough slots for every connection.
    // BENCH_ASYNC_RUN_START=1 measures with the owner setting workflows.async_run_start on.
    scheduler: {
      periodicMissedCheck: false,
      asyncRunStart: () => process.env['BENCH_ASYNC_RUN_START'] === '1',
      ...(process.env['BENCH_RUN_CONCURRENCY']
        ? { runConcurrency: Number(process.env['BENCH_RUN_CONCURRENCY']) }
        : {}),
    },
  });
  await engine.start();

  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  installErrorHandler(app);
  // The session cookie's plugin (the routes read the session's tag for 2FA counting); no cookie is sent.
  await registerSessionCookie(app, secretKeyBase, settings);
  await app.register(workflowRoutes, { engine, settings });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });

  const created = await app.inject({
    method: 'POST',
    url: '/api/workflows',
    payload: {
      name: 'bench: echo → json_transform → echo',
      maxConcurrentRuns: 50,
      steps: [
        { id: 'receive', name: 'Receive', skill: 'echo' },
        {
          id: 'reshape',
          name: 'Reshape',
          skill: 'json_transform',
          config: { pick: ['title', 'link'], rename: { link: 'url' } },
        },
        { id: 'wrap', name: 'Wrap', skill: 'echo', config: { wrap: 'item' } },
      ],
    },
  });
  if (created.statusCode !== 201) throw new Error(`could not create the benchmark workflow: ${created.body}`);
  const workflowId = created.json<{ id: string }>().id;

  return {
    runUrl: `${address}/api/workflows/${workflowId}/runs?wait=true`,
    history: async () => {
      const row = (await pool.one(sql.unsafe`
        SELECT (SELECT count(*) FROM workflow_runs WHERE status = 'completed')::int AS runs,
               (SELECT count(*) FROM workflow_step_results)::int AS steps`)) as {
        runs: number;
        steps: number;
      };
      return { completedRuns: row.runs, stepResults: row.steps };
    },
    breakdown: async (limit) => {
      const row = (await pool.one(sql.unsafe`
        WITH recent AS (
          SELECT id, created_at, started_at, finished_at FROM workflow_runs
          WHERE status = 'completed' ORDER BY finished_at DESC LIMIT ${limit})
        SELECT
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000) AS queued,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000) AS executing,
          (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FROM workflow_step_results
            WHERE run_id IN (SELECT id FROM recent)) AS step
        FROM recent`)) as { queued: number; executing: number; step: number };
      return { queuedMs: Number(row.queued), executingMs: Number(row.executing), stepMs: Number(row.step) };
    },
    stop: async () => {
      await app.close();
      await engine.stop();
      await lifecycle.stop();
      await runtime.close();
      await enginePool.end();
      await pool.end();
      await embedded.stop();
    },
  };
}
