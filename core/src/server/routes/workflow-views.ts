import type { WorkflowRecord } from '../../workflows/repository.ts';
import type { RunRecord, StepResultRecord } from '../../workflows/run-repository.ts';
import type { RunView, StepResultView, WorkflowSummary, WorkflowView } from '../../workflows/wire-types.ts';

function iso(epochMs: number): string;
function iso(epochMs: number | null): string | null;
function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

/** A workflow as the API shows it: its definition plus what the server knows about it. */
export function workflowView(record: WorkflowRecord): WorkflowView {
  return {
    id: record.id,
    version: record.version,
    scheduleStatus: record.scheduleStatus,
    scheduleApprovedVersion: record.scheduleApprovedVersion,
    scheduleLastTickAt: iso(record.scheduleLastTickAt),
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    definition: record.definition,
  };
}

export function workflowSummary(record: WorkflowRecord): WorkflowSummary {
  const { definition } = record;
  return {
    id: record.id,
    name: definition.name,
    description: definition.description,
    enabled: definition.enabled,
    requires2fa: definition.requires2fa,
    version: record.version,
    scheduleStatus: record.scheduleStatus,
    schedule: definition.schedule,
    stepCount: definition.steps.length,
    updatedAt: iso(record.updatedAt),
  };
}

export function runView(run: RunRecord): RunView {
  return {
    id: run.id,
    workflowId: run.workflow_id,
    workflowName: run.workflow_name,
    workflowVersion: run.workflow_version,
    status: run.status,
    trigger: run.trigger,
    input: run.input,
    output: run.output,
    error:
      run.error_code === null
        ? null
        : { code: run.error_code, message: run.error_message, stepId: run.error_step_id },
    node: run.node,
    scheduledFor: iso(run.scheduled_for),
    stepsExecuted: run.steps_executed,
    createdAt: iso(run.created_at),
    startedAt: iso(run.started_at),
    finishedAt: iso(run.finished_at),
    approvalDeadline: iso(run.approval_deadline),
  };
}

export function stepView(step: StepResultRecord): StepResultView {
  return { ...step, startedAt: iso(step.startedAt) };
}
