import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { ApiCallRecord, JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { SanitizeReport } from '../content/sanitizer.ts';
import { RunNotFoundError } from './errors.ts';
import type { Snapshot } from './snapshot.ts';
import {
  RUN_STATUSES,
  RUN_TRIGGERS,
  type RunStatus,
  type RunTrigger,
  type StepOutcome,
  type StepResultView,
} from './wire-types.ts';

export { RUN_STATUSES, RUN_TRIGGERS };
export type { RunStatus, RunTrigger, StepOutcome };
export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running', 'waiting_2fa'];

/** A step result as the engine records it; the API sends it with `startedAt` as ISO 8601. */
export interface StepResultRecord extends Omit<StepResultView, 'startedAt'> {
  /** Milliseconds since the epoch. */
  startedAt: number;
}

const json = z.custom<JsonValue>(() => true);

const runRow = z.object({
  id: z.string(),
  workflow_id: z.string(),
  workflow_name: z.string(),
  workflow_version: z.number(),
  status: z.enum(RUN_STATUSES),
  trigger: z.enum(RUN_TRIGGERS),
  input: json,
  output: json,
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  error_step_id: z.string().nullable(),
  node: z.string().nullable(),
  scheduled_for: z.number().nullable(),
  steps_executed: z.number(),
  created_at: z.number(),
  started_at: z.number().nullable(),
  finished_at: z.number().nullable(),
  approval_deadline: z.number().nullable(),
});
export type RunRecord = z.infer<typeof runRow>;

const claimedRow = z.object({ workflow_id: z.string(), workflow_version: z.number(), input: json });
export type ClaimedRun = z.infer<typeof claimedRow>;

const stepRow = z.object({
  seq: z.number(),
  step_id: z.string(),
  step_name: z.string(),
  skill: z.string(),
  executed_skill: z.string().nullable(),
  outcome: z.enum(['succeeded', 'failed', 'skipped', 'fallback']),
  branch: z.string().nullable(),
  next_step_id: z.string().nullable(),
  input_snapshot: json,
  output_snapshot: json,
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  attempts: z.number(),
  duration_ms: z.number(),
  api_calls: z.custom<ApiCallRecord[]>((value) => Array.isArray(value)),
  sanitized: z.custom<SanitizeReport | null>(() => true),
  started_at: z.number(),
});

const SELECT_RUN = sql.fragment`
  SELECT r.id, r.workflow_id, w.name AS workflow_name, r.workflow_version, r.status, r.trigger, r.input,
         r.output, r.error_code, r.error_message, r.error_step_id, r.node, r.scheduled_for,
         r.steps_executed, r.created_at, r.started_at, r.finished_at, r.approval_deadline
  FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id`;

export interface NewRun {
  workflowId: string;
  workflowVersion: number;
  trigger: RunTrigger;
  input: JsonValue;
  status: 'queued' | 'waiting_2fa';
  scheduledFor?: Date | null;
  approvalDeadline?: Date | null;
}

export interface RunEnding {
  status: 'completed' | 'failed';
  output: JsonValue;
  errorCode: string | null;
  errorMessage: string | null;
  errorStepId: string | null;
  stepsExecuted: number;
}

const jsonb = (value: JsonValue | Snapshot | ApiCallRecord[] | SanitizeReport) =>
  sql.jsonb(JSON.parse(JSON.stringify(value ?? null)));

/** One INSERT of many step results, from a JSON array (a single round trip however many steps). */
function insertSteps(runId: string, steps: readonly StepResultRecord[]) {
  return insertStepsOfRuns(steps.map((step) => ({ runId, step })));
}

/** Step results as the rows of `workflow_step_results`, for `jsonb_to_recordset`. */
function stepRows(entries: readonly { runId: string; step: StepResultRecord }[]) {
  return entries.map(({ runId, step }) => ({
    run_id: runId,
    seq: step.seq,
    step_id: step.stepId,
    step_name: step.stepName,
    skill: step.skill,
    executed_skill: step.executedSkill,
    outcome: step.outcome,
    branch: step.branch,
    next_step_id: step.nextStepId,
    input_snapshot: step.inputSnapshot,
    output_snapshot: step.outputSnapshot,
    error_code: step.errorCode,
    error_message: step.errorMessage,
    attempts: step.attempts,
    duration_ms: Math.round(step.durationMs),
    api_calls: step.apiCalls,
    sanitized: step.sanitized,
    started_at: new Date(step.startedAt).toISOString(),
  }));
}

/** One INSERT of the step results of many runs. */
function insertStepsOfRuns(entries: readonly { runId: string; step: StepResultRecord }[]) {
  const rows = stepRows(entries);
  return sql.fragment`
    INSERT INTO workflow_step_results (run_id, seq, step_id, step_name, skill, executed_skill, outcome, branch,
      next_step_id, input_snapshot, output_snapshot, error_code, error_message, attempts, duration_ms,
      api_calls, sanitized, started_at)
    SELECT r.run_id, r.seq, r.step_id, r.step_name, r.skill, r.executed_skill, r.outcome, r.branch, r.next_step_id,
      r.input_snapshot, r.output_snapshot, r.error_code, r.error_message, r.attempts, r.duration_ms,
      COALESCE(r.api_calls, '[]'::jsonb), NULLIF(r.sanitized, 'null'::jsonb), r.started_at
    FROM jsonb_to_recordset(${jsonb(rows as unknown as JsonValue)}) AS r (run_id uuid, seq int, step_id text, step_name text,
      skill text, executed_skill text, outcome text, branch text, next_step_id text, input_snapshot jsonb,
      output_snapshot jsonb, error_code text, error_message text, attempts int, duration_ms int,
      api_calls jsonb, sanitized jsonb, started_at timestamptz)`;
}

/** A run's end, as `finishMany` writes it with its last step results. */
export interface RunFinish {
  id: string;
  ending: RunEnding;
  steps: readonly StepResultRecord[];
  /** The pg-boss queue of the run's job: the job is completed in the same statement as the end. */
  jobQueue?: string;
}

/** A run row as written by the dispatcher (`../scheduler/run-jobs.ts`), without its workflow's name. */
export const insertedRunRow = runRow.omit({ workflow_name: true });
export type InsertedRun = z.infer<typeof insertedRunRow>;

/** Workflow runs and their per-step results. Status changes are conditional, so a cancel always wins. */
export class RunRepository {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  /** Inserts a run; pass a transaction as `connection` to create it with other writes. */
  async create(run: NewRun, connection: CommonQueryMethods = this.#pool): Promise<string> {
    return connection.oneFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO workflow_runs (workflow_id, workflow_version, status, trigger, input, scheduled_for, approval_deadline)
      VALUES (${run.workflowId}, ${run.workflowVersion}, ${run.status}, ${run.trigger}, ${jsonb(run.input)},
              ${run.scheduledFor ? run.scheduledFor.toISOString() : null},
              ${run.approvalDeadline ? run.approvalDeadline.toISOString() : null})
      RETURNING id`);
  }

  async find(id: string): Promise<RunRecord | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    return (await this.#pool.maybeOne(sql.type(runRow)`${SELECT_RUN} WHERE r.id = ${id}`)) ?? undefined;
  }

  async get(id: string): Promise<RunRecord> {
    const run = await this.find(id);
    if (!run) throw new RunNotFoundError(id);
    return run;
  }

  /** Newest first. */
  async list(
    options: { workflowId?: string; status?: RunStatus; limit?: number } = {},
  ): Promise<RunRecord[]> {
    const conditions = [sql.fragment`true`];
    if (options.workflowId) conditions.push(sql.fragment`r.workflow_id = ${options.workflowId}`);
    if (options.status) conditions.push(sql.fragment`r.status = ${options.status}`);
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    const rows = await this.#pool.any(sql.type(runRow)`
      ${SELECT_RUN} WHERE ${sql.join(conditions, sql.fragment` AND `)} ORDER BY r.created_at DESC, r.id LIMIT ${limit}`);
    return [...rows];
  }

  /**
   * queued → running on this node for this job, in one statement; answers what the executor needs,
   * or undefined when the run is no longer queued (cancelled meanwhile).
   */
  async start(id: string, node: string, jobId: string): Promise<ClaimedRun | undefined> {
    const row = await this.#pool.maybeOne(sql.type(claimedRow)`
      UPDATE workflow_runs SET status = 'running', node = ${node}, job_id = ${jobId}, started_at = now()
      WHERE id = ${id} AND status = 'queued'
      RETURNING workflow_id, workflow_version, input`);
    return row ?? undefined;
  }

  /** waiting_2fa → queued once the code is verified; false when it is no longer waiting. */
  async approve(id: string): Promise<boolean> {
    const result = await this.#pool.query(sql.unsafe`
      UPDATE workflow_runs SET status = 'queued', approval_deadline = NULL WHERE id = ${id} AND status = 'waiting_2fa'`);
    return result.rowCount === 1;
  }

  /** running → queued, its partial history dropped: another node starts it again from the first step. */
  async handBack(id: string, node: string): Promise<boolean> {
    return this.#pool.transaction(async (tx) => {
      const result = await tx.query(sql.unsafe`
        UPDATE workflow_runs SET status = 'queued', node = NULL, job_id = NULL, started_at = NULL, steps_executed = 0
        WHERE id = ${id} AND status = 'running' AND node = ${node}`);
      if (result.rowCount === 1)
        await tx.query(sql.unsafe`DELETE FROM workflow_step_results WHERE run_id = ${id}`);
      return result.rowCount === 1;
    });
  }

  /** Writes step results in one statement (the executor batches a run's steps). */
  async appendSteps(runId: string, steps: readonly StepResultRecord[]): Promise<void> {
    if (steps.length === 0) return;
    await this.#pool.query(sql.unsafe`${insertSteps(runId, steps)}`);
  }

  /**
   * running (on `node`) → completed/failed, writing the run's last step results in the same
   * statement; false when it was cancelled, lost or handed back meanwhile (the steps are kept).
   */
  async finish(
    id: string,
    node: string,
    ending: RunEnding,
    steps: readonly StepResultRecord[] = [],
  ): Promise<boolean> {
    const inserted =
      steps.length > 0 ? sql.fragment`WITH inserted AS (${insertSteps(id, steps)}) ` : sql.fragment``;
    const result = await this.#pool.query(sql.unsafe`
      ${inserted}UPDATE workflow_runs SET status = ${ending.status}, output = ${jsonb(ending.output)},
        error_code = ${ending.errorCode}, error_message = ${ending.errorMessage},
        error_step_id = ${ending.errorStepId}, steps_executed = ${ending.stepsExecuted}, finished_at = now()
      WHERE id = ${id} AND status = 'running' AND node = ${node}`);
    return result.rowCount === 1;
  }

  /**
   * Many runs' ends (running on `node` → completed/failed) with their last step results, in one
   * statement that also completes the pg-boss jobs of the runs it ended (for finishes naming their
   * job's queue), so a run's end and its job's completion commit together (`talon_finish_runs`,
   * migration 0092). Answers the runs that ended (the others were cancelled, lost or handed back
   * meanwhile).
   */
  async finishMany(node: string, finishes: readonly RunFinish[]): Promise<Map<string, RunRecord>> {
    if (finishes.length === 0) return new Map();
    const steps = finishes.flatMap((finish) => finish.steps.map((step) => ({ runId: finish.id, step })));
    const endings = finishes.map(({ id, ending }) => ({
      id,
      status: ending.status,
      output: ending.output ?? null,
      error_code: ending.errorCode,
      error_message: ending.errorMessage,
      error_step_id: ending.errorStepId,
      steps_executed: ending.stepsExecuted,
    }));
    const queues = [...new Set(finishes.flatMap((finish) => (finish.jobQueue ? [finish.jobQueue] : [])))];
    // Plain rows built here: sql.jsonb serialises them as they are (no copy through JSON first).
    const ended = await this.#pool.any(sql.type(runRow)`
      SELECT id, workflow_id, workflow_name, workflow_version, status, trigger, input, output, error_code,
        error_message, error_step_id, node, scheduled_for, steps_executed, created_at, started_at, finished_at,
        approval_deadline
      FROM talon_finish_runs(${sql.jsonb(endings as unknown as JsonValue)},
        ${sql.jsonb(stepRows(steps) as unknown as JsonValue)}, ${node}, ${sql.array(queues, 'text')})`);
    return new Map(ended.map((run) => [run.id, run]));
  }

  /** Any active status → cancelled. Returns the status it had, or undefined when it was not active. */
  async cancel(id: string, reason: string): Promise<RunStatus | undefined> {
    const previous = await this.#pool.maybeOneFirst(sql.type(z.object({ status: z.enum(RUN_STATUSES) }))`
      UPDATE workflow_runs r SET status = 'cancelled', finished_at = now(), error_code = 'cancelled',
        error_message = ${reason}
      FROM (SELECT id, status FROM workflow_runs WHERE id = ${id} FOR UPDATE) before
      WHERE r.id = before.id AND before.status IN ('queued', 'running', 'waiting_2fa')
      RETURNING before.status`);
    return previous ?? undefined;
  }

  /** A run whose job could not be sent: failed, rather than queued with no job behind it. */
  async failUnqueued(id: string, message: string): Promise<void> {
    await this.#pool.query(sql.unsafe`
      UPDATE workflow_runs SET status = 'failed', error_code = 'enqueue_failed', error_message = ${message},
        finished_at = now()
      WHERE id = ${id} AND status = 'queued' AND job_id IS NULL`);
  }

  /** waiting_2fa past its deadline → cancelled; false when it was approved or ended meanwhile. */
  async expireApproval(id: string): Promise<boolean> {
    const result = await this.#pool.query(sql.unsafe`
      UPDATE workflow_runs SET status = 'cancelled', finished_at = now(), error_code = 'approval_expired',
        error_message = 'No 2FA code was given before the deadline'
      WHERE id = ${id} AND status = 'waiting_2fa' AND approval_deadline <= now()`);
    return result.rowCount === 1;
  }

  async steps(runId: string): Promise<StepResultRecord[]> {
    const rows = await this.#pool.any(sql.type(stepRow)`
      SELECT seq, step_id, step_name, skill, executed_skill, outcome, branch, next_step_id, input_snapshot,
             output_snapshot, error_code, error_message, attempts, duration_ms, api_calls, sanitized, started_at
      FROM workflow_step_results WHERE run_id = ${runId} ORDER BY seq`);
    return rows.map((row) => ({
      seq: row.seq,
      stepId: row.step_id,
      stepName: row.step_name,
      skill: row.skill,
      executedSkill: row.executed_skill,
      outcome: row.outcome,
      branch: row.branch,
      nextStepId: row.next_step_id,
      inputSnapshot: row.input_snapshot,
      outputSnapshot: row.output_snapshot,
      errorCode: row.error_code,
      errorMessage: row.error_message,
      attempts: row.attempts,
      durationMs: row.duration_ms,
      apiCalls: row.api_calls,
      sanitized: row.sanitized ?? null,
      startedAt: row.started_at,
    }));
  }

  /**
   * Deletes finished runs older than `maxAgeDays`, and beyond the newest `maxPerWorkflow` finished
   * runs of each workflow. Active runs are never pruned. Returns how many runs went.
   */
  async prune(maxAgeDays: number, maxPerWorkflow: number): Promise<number> {
    const result = await this.#pool.query(sql.unsafe`
      DELETE FROM workflow_runs WHERE id IN (
        SELECT id FROM (
          SELECT id, finished_at,
                 row_number() OVER (PARTITION BY workflow_id ORDER BY finished_at DESC, id) AS rank
          FROM workflow_runs WHERE finished_at IS NOT NULL
        ) ranked
        WHERE ranked.finished_at < now() - make_interval(days => ${maxAgeDays}) OR ranked.rank > ${maxPerWorkflow})`);
    return result.rowCount;
  }
}
