import type { DatabasePool } from '@talon/core/db/pool.ts';
import type { SchedulerOptions } from '@talon/core/scheduler/workflow-scheduler.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import type { TestDatabase } from '@talon/core/testing/test-database.ts';
import { createWorkflowEngine, type WorkflowEngine } from '@talon/core/workflows/engine.ts';
import type { StepUpCheck } from '@talon/core/workflows/service.ts';
import type { SkillCatalog } from '@talon/core/workflows/skill-catalog.ts';
import type { ScriptedRuntime } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { RecordingStepUp } from './step-up.ts';

export interface TestNode {
  engine: WorkflowEngine;
  stepUp: StepUpCheck;
}

/** A started workflow engine (real pg-boss on the test database) for one node. */
export async function startTestNode(
  database: TestDatabase,
  options: {
    node: string;
    runtime: ScriptedRuntime;
    catalog: SkillCatalog;
    stepUp?: StepUpCheck;
    approvalTimeoutSeconds?: number;
    scheduler?: Partial<SchedulerOptions>;
    /** The engine's connections (default: the test database's pool); boot gives it a pool of its own. */
    pool?: DatabasePool;
  },
): Promise<TestNode> {
  const stepUp = options.stepUp ?? new RecordingStepUp();
  const engine = createWorkflowEngine({
    databaseUrl: database.url,
    pool: options.pool ?? database.pool,
    logger: createLogger(process.env['TALON_TEST_LOG'] === '1' ? 'warn' : 'silent'),
    node: options.node,
    runtime: options.runtime,
    catalog: options.catalog,
    stepUp,
    approvalTimeoutSeconds: () => options.approvalTimeoutSeconds ?? 120,
    scheduler: {
      leaseSeconds: 10,
      superviseIntervalSeconds: 1,
      shutdownGraceMs: 2_000,
      ...options.scheduler,
    },
  });
  await engine.start();
  return { engine, stepUp };
}
