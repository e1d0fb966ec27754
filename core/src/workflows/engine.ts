import type { DatabasePool } from 'slonik';
import type { Logger } from '../logging/logger.ts';
import { WorkflowScheduler, type SchedulerOptions } from '../scheduler/workflow-scheduler.ts';
import type { SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { ContentSanitizer } from '../content/sanitizer.ts';
import type { RunLlmPolicies } from '../llm/run-policies.ts';
import { WorkflowExecutor } from './executor.ts';
import { WorkflowRepository } from './repository.ts';
import { RunEvents } from './run-events.ts';
import { LostRuns } from './lost-runs.ts';
import { RunProcessor } from './run-processor.ts';
import { RunRepository } from './run-repository.ts';
import { WorkflowService, type StepUpCheck } from './service.ts';
import { StepSecretBindingStore } from './step-secret-bindings.ts';
import type { SkillCatalog } from './skill-catalog.ts';

export interface WorkflowEngineOptions {
  databaseUrl: string;
  pool: DatabasePool;
  logger: Logger;
  /** This node's name (pinning, run history). */
  node: string;
  runtime: SkillRuntime;
  catalog: SkillCatalog;
  stepUp: StepUpCheck;
  /** Seconds a run may wait for its 2FA code (read at each trigger, so a settings change applies). */
  approvalTimeoutSeconds?: () => number;
  /** Whether 2FA is enrolled: a workflow can start requiring 2FA only then (default: yes). */
  twoFactorEnrolled?: () => boolean;
  /** Run history kept (read at each hourly prune, so a settings change applies). */
  historyLimits?: () => { maxAgeDays: number; maxRunsPerWorkflow: number };
  /** Cleans the output of external skills (default: the seeded phrase list and cap). */
  sanitizer?: ContentSanitizer;
  /** The LLM router's per-run choices, which the executor sets for each step. */
  llmPolicies?: RunLlmPolicies;
  scheduler?: Partial<
    Omit<SchedulerOptions, 'databaseUrl' | 'pool' | 'node' | 'logger' | 'processor' | 'runs'>
  >;
}

export interface WorkflowEngine {
  service: WorkflowService;
  workflows: WorkflowRepository;
  runs: RunRepository;
  events: RunEvents;
  scheduler: WorkflowScheduler;
  processor: RunProcessor;
  start(): Promise<void>;
  /** Finishes or hands back the runs in flight, then stops pg-boss. */
  stop(): Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wires the workflow engine of one node: repositories, executor, pg-boss scheduler and service. */
export function createWorkflowEngine(options: WorkflowEngineOptions): WorkflowEngine {
  const workflows = new WorkflowRepository(options.pool);
  const runs = new RunRepository(options.pool);
  const events = new RunEvents();
  const stepSecrets = new StepSecretBindingStore(options.pool);
  const executor = new WorkflowExecutor({
    runtime: options.runtime,
    catalog: options.catalog,
    sleep,
    stepSecrets,
    ...(options.sanitizer ? { sanitizer: options.sanitizer } : {}),
    ...(options.llmPolicies ? { llmPolicies: options.llmPolicies } : {}),
  });
  const logger = options.logger.child({ node: options.node });
  const processor = new RunProcessor({ workflows, runs, executor, events, logger, node: options.node });
  const limits = options.historyLimits;
  const scheduler = new WorkflowScheduler({
    ...options.scheduler,
    pruneHistory: limits
      ? () => {
          const { maxAgeDays, maxRunsPerWorkflow } = limits();
          return runs.prune(maxAgeDays, maxRunsPerWorkflow);
        }
      : undefined,
    databaseUrl: options.databaseUrl,
    pool: options.pool,
    node: options.node,
    logger,
    processor,
    runs,
    lostRuns: new LostRuns(options.pool, workflows),
  });
  const service = new WorkflowService({
    workflows,
    runs,
    catalog: options.catalog,
    scheduler,
    stepUp: options.stepUp,
    events,
    approvalTimeoutSeconds: options.approvalTimeoutSeconds ?? (() => 120),
    stepSecrets,
    ...(options.twoFactorEnrolled ? { twoFactorEnrolled: options.twoFactorEnrolled } : {}),
  });
  return {
    service,
    workflows,
    runs,
    events,
    scheduler,
    processor,
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
