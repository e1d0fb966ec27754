import type { JsonValue } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { TalonError } from '../errors.ts';
import type { WorkflowDefinition } from './definition.ts';
import {
  InvalidDefinitionError,
  RunNotCancellableError,
  WorkflowChangedError,
  WorkflowDisabledError,
} from './errors.ts';
import type { CurrentWorkflow, WorkflowRecord, WorkflowRepository } from './repository.ts';
import type { RunEvents } from './run-events.ts';
import type { RunRecord, RunRepository, RunTrigger } from './run-repository.ts';
import type { SkillCatalog } from './skill-catalog.ts';
import { validateDefinition } from './validate-definition.ts';
import type { RunDispatch } from '../scheduler/run-dispatcher.ts';
import { checkImport, exportWorkflow, type WorkflowExport } from './export-import.ts';
import { WorkflowChangeRules, type ChangeRequest, type WorkflowChange } from './change-rules.ts';
import { stepBindingsOf, type StepBinding, type StepSecretBindingStore } from './step-secret-bindings.ts';

/** The step-up 2FA check (core/src/auth/step-up.ts): resolves for a fresh valid code, throws otherwise. */
export interface StepUpCheck {
  verify(request: {
    action: string;
    code: string | undefined | null;
    actor: string;
    source?: string | undefined;
    session?: string | undefined;
    target?: string | undefined;
    /** `allow`: goes through while 2FA is not enrolled (auth/step-up.ts). */
    whenNotEnrolled?: 'refuse' | 'allow' | undefined;
  }): Promise<void>;
}

/** What the workflow service needs from the scheduler (core/src/scheduler/workflow-scheduler.ts). */
export interface RunScheduling {
  /**
   * Creates a run with its job in one transaction (batched with others; started here at once when
   * this node can). Without it, the run row is written first and then `enqueue`d.
   */
  dispatch?(request: RunDispatch): Promise<RunRecord>;
  enqueue(
    runId: string,
    workflowId: string,
    definition: { maxConcurrentRuns: number; nodePin: string | null },
  ): Promise<void>;
  cancel(runId: string): Promise<void>;
  expireApprovalAt(runId: string, deadline: Date): Promise<void>;
  syncSchedule(workflow: WorkflowRecord): Promise<void>;
  removeSchedule(workflowId: string): Promise<void>;
}

export interface Requester {
  /** `admin`, `telegram:<chat>`, `api`… */
  actor: string;
  source?: string | undefined;
  /** The admin session's tag (wrong 2FA codes are counted per session). */
  session?: string | undefined;
}

export interface TriggerRequest extends Requester {
  trigger: Exclude<RunTrigger, 'schedule'>;
  input?: JsonValue;
  totpCode?: string | undefined;
}

/** The 2FA action a code is checked for: bound to one workflow *version*, so an edit needs a new code. */
export function runApprovalTarget(workflowId: string, version: number): string {
  return `${workflowId}@v${version}`;
}

/** A change nobody asked for with a code (scripts, tests): it passes only where no code is needed. */
const NO_REQUESTER: ChangeRequest = { actor: 'system' };

/**
 * Workflows as the admin, the API and the gateway use them: saved only when valid, changed only as
 * `change-rules.ts` allows (a requires-2FA workflow needs a code to be changed or deleted), runs
 * queued on pg-boss, and `requires2fa` enforced for every trigger (AlexClaw gated only chat `/run`).
 */
export class WorkflowService {
  readonly #workflows: WorkflowRepository;
  readonly #runs: RunRepository;
  readonly #catalog: SkillCatalog;
  readonly #scheduler: RunScheduling;
  readonly #stepUp: StepUpCheck;
  readonly #events: RunEvents;
  readonly #approvalTimeoutSeconds: () => number;
  readonly #changeRules: WorkflowChangeRules;
  readonly #stepSecrets: StepSecretBindingStore | undefined;

  constructor(options: {
    workflows: WorkflowRepository;
    runs: RunRepository;
    catalog: SkillCatalog;
    scheduler: RunScheduling;
    stepUp: StepUpCheck;
    events: RunEvents;
    approvalTimeoutSeconds: () => number;
    /** Whether 2FA is enrolled (a workflow can require 2FA only then); default: yes. */
    twoFactorEnrolled?: () => boolean;
    /** Approved secret bindings of steps (`secretBinding` in a step's config); none: such steps are refused. */
    stepSecrets?: StepSecretBindingStore;
  }) {
    this.#workflows = options.workflows;
    this.#runs = options.runs;
    this.#catalog = options.catalog;
    this.#scheduler = options.scheduler;
    this.#stepUp = options.stepUp;
    this.#events = options.events;
    this.#approvalTimeoutSeconds = options.approvalTimeoutSeconds;
    this.#changeRules = new WorkflowChangeRules(options.stepUp, options.twoFactorEnrolled ?? (() => true));
    this.#stepSecrets = options.stepSecrets;
  }

  /**
   * The change rules, and the secret bindings its steps choose that were not approved for them yet
   * (they need a code, checked with the rest); those to record as approved once it is saved.
   */
  async #checkChange(
    change: WorkflowChange & { kind: 'create' | 'update' },
    request: ChangeRequest,
  ): Promise<StepBinding[]> {
    const { bindings, problems } = stepBindingsOf(change.next, this.#catalog);
    if (problems.length > 0) throw new InvalidDefinitionError(problems);
    if (bindings.length > 0 && !this.#stepSecrets) {
      throw new InvalidDefinitionError([
        { path: '/steps', message: 'secret bindings in steps are not available on this node' },
      ]);
    }
    const fresh = this.#stepSecrets
      ? await this.#stepSecrets.unapproved(change.kind === 'update' ? change.current.id : undefined, bindings)
      : [];
    await this.#changeRules.check(
      change,
      request,
      fresh.map((entry) => `step ${entry.stepId}: ${entry.key}`),
    );
    return fresh;
  }

  validate(input: unknown): WorkflowDefinition {
    const check = validateDefinition(input, this.#catalog);
    if (!check.ok) throw new InvalidDefinitionError(check.problems);
    return check.definition;
  }

  async create(input: unknown, request: ChangeRequest = NO_REQUESTER): Promise<WorkflowRecord> {
    const next = this.validate(input);
    const approved = await this.#checkChange({ kind: 'create', next }, request);
    const record = await this.#workflows.create(next);
    await this.#stepSecrets?.approve(record.id, approved, request.actor);
    await this.#scheduler.syncSchedule(record);
    return record;
  }

  /**
   * Saves a new version (a requires-2FA workflow needs `request.totpCode` for its current version).
   * For a requires-2FA workflow this suspends its schedule until approved again.
   */
  async update(id: string, input: unknown, request: ChangeRequest = NO_REQUESTER): Promise<WorkflowRecord> {
    const next = this.validate(input);
    const current = await this.#workflows.current(id);
    const approved = await this.#checkChange({ kind: 'update', current, next }, request);
    const record = await this.#workflows.update(id, next, current.version);
    await this.#stepSecrets?.approve(record.id, approved, request.actor);
    await this.#scheduler.syncSchedule(record);
    return record;
  }

  async exportDocument(id: string): Promise<WorkflowExport> {
    return exportWorkflow(await this.#workflows.get(id));
  }

  /**
   * Imports a workflow document as a new workflow, all or nothing; `rename` avoids a name clash.
   * Never over an existing workflow: a taken name is refused.
   */
  async importDocument(
    document: unknown,
    rename?: string,
    request: ChangeRequest = NO_REQUESTER,
  ): Promise<WorkflowRecord> {
    const next = checkImport(document, this.#catalog, rename);
    const approved = await this.#checkChange({ kind: 'create', next }, request);
    const record = await this.#workflows.create(next);
    await this.#stepSecrets?.approve(record.id, approved, request.actor);
    await this.#scheduler.syncSchedule(record);
    return record;
  }

  /** Deletes a workflow and its history (a requires-2FA workflow needs `request.totpCode`). */
  async delete(id: string, request: ChangeRequest = NO_REQUESTER): Promise<void> {
    const current = await this.#workflows.current(id);
    await this.#changeRules.check({ kind: 'delete', current }, request);
    await this.#workflows.delete(id, current.version);
    await this.#scheduler.removeSchedule(id);
  }

  /**
   * Starts a run. A requires-2FA workflow needs a code for its current version: given, the run is
   * queued at once; not given, the run waits in `waiting_2fa` until `approveRun` or its deadline.
   */
  async trigger(workflowId: string, request: TriggerRequest): Promise<RunRecord> {
    // A workflow that needs no code may start from the version this node last saw current, without
    // reading it: the run is written only while that version is still current (else it is read).
    const seen = this.#scheduler.dispatch ? await this.#workflows.lastSeenCurrent(workflowId) : undefined;
    if (seen?.definition.enabled && !seen.definition.requires2fa) {
      const run = await this.#dispatch(seen, request).catch((error: unknown) => {
        if (error instanceof WorkflowChangedError) return undefined;
        throw error;
      });
      if (run) return run;
    }
    const workflow = await this.#workflows.current(workflowId);
    if (!workflow.definition.enabled) throw new WorkflowDisabledError(workflow.definition.name);
    const needsCode = workflow.definition.requires2fa;
    const codeGiven = typeof request.totpCode === 'string' && request.totpCode.trim() !== '';
    if (needsCode && codeGiven) await this.#verifyRun(workflow, request.totpCode, request);
    const waiting = needsCode && !codeGiven;
    if (!waiting && this.#scheduler.dispatch) return this.#dispatch(workflow, request);
    const deadline = waiting ? new Date(Date.now() + this.#approvalTimeoutSeconds() * 1000) : null;
    const runId = await this.#runs.create({
      workflowId,
      workflowVersion: workflow.version,
      trigger: request.trigger,
      input: request.input ?? null,
      status: waiting ? 'waiting_2fa' : 'queued',
      approvalDeadline: deadline,
    });
    if (deadline) await this.#scheduler.expireApprovalAt(runId, deadline);
    else await this.#enqueueOrFail(runId, workflow);
    this.#events.publish({ type: 'run_status', runId, status: waiting ? 'waiting_2fa' : 'queued' });
    return this.#runs.get(runId);
  }

  /** Creates the run with its job (started here at once when this node can). */
  async #dispatch(workflow: CurrentWorkflow, request: TriggerRequest): Promise<RunRecord> {
    const run = await this.#scheduler.dispatch!({
      workflow: {
        id: workflow.id,
        name: workflow.definition.name,
        version: workflow.version,
        definition: workflow.definition,
      },
      trigger: request.trigger,
      input: request.input ?? null,
    });
    // A run started here at once announces `running` itself.
    if (run.status === 'queued')
      this.#events.publish({ type: 'run_status', runId: run.id, status: 'queued' });
    return run;
  }

  /** A run whose job could not be queued must not stay `queued` with nothing to pick it up. */
  async #enqueueOrFail(runId: string, workflow: CurrentWorkflow): Promise<void> {
    try {
      await this.#scheduler.enqueue(runId, workflow.id, workflow.definition);
    } catch (error) {
      await this.#runs.failUnqueued(runId, 'The run could not be queued (is the database reachable?)');
      throw error;
    }
  }

  async #verifyRun(workflow: CurrentWorkflow, code: string | undefined, requester: Requester): Promise<void> {
    await this.#stepUp.verify({
      action: 'workflow.run',
      code,
      actor: requester.actor,
      source: requester.source,
      session: requester.session,
      target: runApprovalTarget(workflow.id, workflow.version),
    });
  }

  /** The code for a run waiting in `waiting_2fa`; refused when the workflow changed since the run was asked for. */
  async approveRun(runId: string, totpCode: string | undefined, requester: Requester): Promise<RunRecord> {
    const run = await this.#runs.get(runId);
    if (run.status !== 'waiting_2fa') {
      throw new TalonError(
        'run_not_waiting',
        `Run ${runId} is ${run.status}, not waiting for a 2FA code`,
        409,
      );
    }
    const workflow = await this.#workflows.get(run.workflow_id);
    if (workflow.version !== run.workflow_version) {
      await this.#runs.cancel(runId, 'The workflow was edited while the run waited for its 2FA code');
      throw new TalonError(
        'workflow_changed',
        `The workflow was edited (now version ${workflow.version}) after this run was asked for; start a new run`,
        409,
      );
    }
    await this.#verifyRun(workflow, totpCode, requester);
    if (!(await this.#runs.approve(runId))) {
      throw new TalonError('run_not_waiting', `Run ${runId} is no longer waiting for a 2FA code`, 409);
    }
    await this.#enqueueOrFail(runId, workflow);
    this.#events.publish({ type: 'run_status', runId, status: 'queued' });
    return this.#runs.get(runId);
  }

  async cancelRun(runId: string, reason = 'Cancelled by the owner'): Promise<RunRecord> {
    const run = await this.#runs.get(runId);
    const previous = await this.#runs.cancel(runId, reason);
    if (previous === undefined) throw new RunNotCancellableError(runId, run.status);
    if (previous === 'running') await this.#scheduler.cancel(runId);
    this.#events.publish({ type: 'run_status', runId, status: 'cancelled', errorCode: 'cancelled' });
    return this.#runs.get(runId);
  }

  /** Switches on the schedule of a requires-2FA workflow for its current version (needs a code). */
  async approveSchedule(
    workflowId: string,
    totpCode: string | undefined,
    requester: Requester,
  ): Promise<WorkflowRecord> {
    const workflow = await this.#workflows.get(workflowId);
    if (!workflow.definition.schedule) {
      throw new TalonError(
        'no_schedule',
        `Workflow "${workflow.definition.name}" has no schedule to approve`,
        409,
      );
    }
    await this.#stepUp.verify({
      action: 'workflow.schedule',
      code: totpCode,
      actor: requester.actor,
      source: requester.source,
      session: requester.session,
      target: runApprovalTarget(workflow.id, workflow.version),
    });
    if (!(await this.#workflows.approveSchedule(workflowId, workflow.version))) {
      throw new TalonError(
        'workflow_changed',
        'The workflow was edited meanwhile; approve its new version',
        409,
      );
    }
    const approved = await this.#workflows.get(workflowId);
    await this.#scheduler.syncSchedule(approved);
    return approved;
  }
}
