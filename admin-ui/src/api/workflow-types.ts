/**
 * The shapes of /api/workflows, as the core sends them (core/src/workflows/definition.ts for the
 * definition, core/src/server/routes/workflow-views.ts for workflows, runs and step results,
 * core/src/server/routes/workflow-events.ts for the live-progress events).
 */
import type { ApiCallRecord, JsonValue } from './client.ts';

export const END_TARGET = 'end';
export const DEFAULT_BRANCH = 'default';
export const ERROR_BRANCH = 'on_error';

export const MISSED_RUN_POLICIES = ['skip', 'run_once'] as const;
export type MissedRunPolicy = (typeof MISSED_RUN_POLICIES)[number];

export const UNAVAILABLE_ACTIONS = ['halt', 'skip', 'fallback'] as const;
export type UnavailableAction = (typeof UNAVAILABLE_ACTIONS)[number];

export interface RetryPolicy {
  /** Total attempts, the first included (1 = no retry). */
  maxAttempts: number;
  backoffMs: number;
  backoffFactor: number;
  maxBackoffMs: number;
}

export interface StepDefinition {
  id: string;
  name: string;
  skill: string;
  skillVersion: string | null;
  config: { [key: string]: JsonValue };
  /** A step whose latest output is this step's input; null = the step that ran just before. */
  inputFrom: string | null;
  /** Branch → step id or `end`. */
  routes: { [branch: string]: string };
  retry: RetryPolicy;
  onUnavailable: UnavailableAction;
  fallbackSkill: string | null;
}

export interface ScheduleDefinition {
  cron: string;
  timezone: string;
  missedRunPolicy: MissedRunPolicy;
  enabled: boolean;
}

export interface WorkflowDefinition {
  name: string;
  description: string;
  enabled: boolean;
  schedule: ScheduleDefinition | null;
  requires2fa: boolean;
  llm: { tier: string | null; provider: string | null };
  nodePin: string | null;
  maxConcurrentRuns: number;
  stepBudget: number;
  steps: StepDefinition[];
}

/** Whether the schedule fires: `awaiting_approval` = a requires-2FA schedule not approved for this version. */
export type ScheduleStatus = 'none' | 'off' | 'active' | 'awaiting_approval';

export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  requires2fa: boolean;
  version: number;
  scheduleStatus: ScheduleStatus;
  schedule: ScheduleDefinition | null;
  stepCount: number;
  updatedAt: string;
}

export interface Workflow {
  id: string;
  version: number;
  scheduleStatus: ScheduleStatus;
  scheduleApprovedVersion: number | null;
  scheduleLastTickAt: string | null;
  createdAt: string;
  updatedAt: string;
  definition: WorkflowDefinition;
}

export const RUN_STATUSES = ['queued', 'running', 'waiting_2fa', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const ENDED_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
export type RunTrigger = 'manual' | 'api' | 'telegram' | 'schedule' | 'webhook';

export interface WorkflowRun {
  id: string;
  workflowId: string;
  workflowName: string;
  workflowVersion: number;
  status: RunStatus;
  trigger: RunTrigger;
  input: JsonValue;
  output: JsonValue;
  error: { code: string; message: string | null; stepId: string | null } | null;
  node: string | null;
  scheduledFor: string | null;
  stepsExecuted: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  approvalDeadline: string | null;
}

/** A step input/output too large to keep whole: a marked preview (core/src/workflows/snapshot.ts). */
export interface TruncatedSnapshot {
  truncated: true;
  bytes: number;
  preview: string;
}

export type Snapshot = JsonValue | TruncatedSnapshot;

export type StepOutcome = 'succeeded' | 'failed' | 'skipped' | 'fallback';

export interface StepResult {
  seq: number;
  stepId: string;
  stepName: string;
  skill: string;
  /** The skill that actually ran (the fallback's name after a fallback; null when skipped). */
  executedSkill: string | null;
  outcome: StepOutcome;
  branch: string | null;
  nextStepId: string | null;
  inputSnapshot: Snapshot;
  outputSnapshot: Snapshot;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  durationMs: number;
  apiCalls: ApiCallRecord[];
  startedAt: string | null;
}

export interface RunDetail {
  run: WorkflowRun;
  steps: StepResult[];
}

/** Payloads of the live-progress stream (`GET /api/workflows/runs/:runId/events`). */
export interface RunEventPayloads {
  snapshot: RunDetail;
  step_started: { seq: number; stepId: string; stepName: string };
  step_finished: StepResult;
  run_status: { status: RunStatus; errorCode: string | null };
}

/** One thing wrong with a definition, located by JSON pointer (`/steps/1/config/wrap`). */
export interface DefinitionProblem {
  path: string;
  message: string;
}

/** A schedule occurrence nobody fired in time (core/src/scheduler/schedule-ticks.ts). */
export interface MissedTick {
  scheduledFor: string;
  policy: MissedRunPolicy;
  /** skipped by policy, caught up by one `run_once` run, or not fired because the schedule awaited approval. */
  action: 'skipped' | 'caught_up' | 'suspended';
  runId: string | null;
  detectedAt: string;
}

/** What `POST /api/workflows/:id/runs` takes. */
export interface RunRequest {
  input?: JsonValue;
  totpCode?: string;
}
