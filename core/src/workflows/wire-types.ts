/**
 * The JSON shapes /api/workflows sends: workflows, runs, step results, live-progress events. No
 * imports with runtime code, so the admin UI imports these as types; the route views
 * (server/routes/workflow-views.ts) are checked against them.
 */
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { ApiCallRecord } from '@talon/skill-runtime/contract/wire-types.ts';
import type { MissedRunPolicy, ScheduleDefinition, WorkflowDefinition } from './definition.ts';
import type { SanitizeReport } from '../content/sanitizer.ts';

export const RUN_STATUSES = ['queued', 'running', 'waiting_2fa', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_TRIGGERS = ['manual', 'api', 'telegram', 'schedule', 'webhook'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export type StepOutcome = 'succeeded' | 'failed' | 'skipped' | 'fallback';

/** Whether the schedule fires: `awaiting_approval` = a requires-2FA schedule not approved for this version. */
export type ScheduleStatus = 'none' | 'off' | 'active' | 'awaiting_approval';

/** A step input/output too large to keep whole in run history (see snapshot.ts). */
export interface TruncatedSnapshot {
  truncated: true;
  /** Size of the full value, serialized as JSON. */
  bytes: number;
  /** The first characters of the serialized value. */
  preview: string;
}

export type Snapshot = JsonValue | TruncatedSnapshot;

/** One thing wrong with a definition, located by JSON pointer (`/steps/1/routes/on_error`). */
export interface DefinitionProblem {
  path: string;
  message: string;
}

/** A workflow as the API shows it: its definition plus what the server knows about it. */
export interface WorkflowView {
  id: string;
  version: number;
  scheduleStatus: ScheduleStatus;
  scheduleApprovedVersion: number | null;
  scheduleLastTickAt: string | null;
  createdAt: string;
  updatedAt: string;
  definition: WorkflowDefinition;
}

/** A workflow in the list: enough to find it and see whether it runs. */
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

export interface RunView {
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

/** One executed step of a run, as run history and the live-progress stream show it. */
export interface StepResultView {
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
  /** What the content sanitizer removed from this step's output (its skill is external); null otherwise. */
  sanitized: SanitizeReport | null;
  startedAt: string | null;
}

export interface RunDetail {
  run: RunView;
  steps: StepResultView[];
}

/** Payloads of the live-progress stream (`GET /api/workflows/runs/:runId/events`), by event name. */
export interface RunEventPayloads {
  snapshot: RunDetail;
  step_started: { seq: number; stepId: string; stepName: string };
  step_finished: StepResultView;
  run_status: { status: RunStatus; errorCode: string | null };
}

/** A schedule occurrence nobody ran: `skipped`, `caught_up` (by the one run_once run) or `suspended`. */
export interface MissedTick {
  scheduledFor: string;
  policy: MissedRunPolicy;
  action: 'skipped' | 'caught_up' | 'suspended';
  runId: string | null;
  detectedAt: string;
}
