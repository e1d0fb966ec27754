/**
 * The shapes of /api/workflows: the core's own types (core/src/workflows/definition.ts for the
 * definition, core/src/workflows/wire-types.ts for what the API sends). Imported as types only, so
 * nothing of the core reaches the bundle; the few constants the screens need at runtime are restated
 * here, typed so that they cannot drift from the core's.
 */
import type {
  DEFAULT_BRANCH as CORE_DEFAULT_BRANCH,
  END,
  MISSED_RUN_POLICIES as CORE_MISSED_RUN_POLICIES,
} from '@talon/core/workflows/definition.ts';
import type { RunStatus } from '@talon/core/workflows/wire-types.ts';
import type { WorkflowTriggerRequest } from '@talon/core/server/routes/workflow-schemas.ts';

export type {
  StepDefinition,
  StepLlm,
  UnavailableAction,
  WorkflowDefinition,
} from '@talon/core/workflows/definition.ts';
export type {
  DefinitionProblem,
  MissedTick,
  RunDetail,
  RunEventPayloads,
  RunStatus,
  Snapshot,
  StepResultView as StepResult,
  TruncatedSnapshot,
  WorkflowView as Workflow,
  RunView as WorkflowRun,
  WorkflowSummary,
} from '@talon/core/workflows/wire-types.ts';

export const END_TARGET: typeof END = 'end';
export const DEFAULT_BRANCH: typeof CORE_DEFAULT_BRANCH = 'default';
export const MISSED_RUN_POLICIES: typeof CORE_MISSED_RUN_POLICIES = ['skip', 'run_once'];
export const ENDED_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** What `POST /api/workflows/:id/runs` takes (the admin always sends `trigger: 'manual'`). */
export type RunRequest = Omit<WorkflowTriggerRequest, 'trigger'>;
