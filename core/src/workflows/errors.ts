import { TalonError } from '../errors.ts';
import type { DefinitionProblem } from './validate-definition.ts';

export class WorkflowNotFoundError extends TalonError {
  constructor(id: string) {
    super('workflow_not_found', `No workflow with id ${id}`, 404);
  }
}

export class RunNotFoundError extends TalonError {
  constructor(id: string) {
    super('run_not_found', `No workflow run with id ${id}`, 404);
  }
}

/** A definition or import document with problems; the message lists every one with its path. */
export class InvalidDefinitionError extends TalonError {
  readonly problems: DefinitionProblem[];

  constructor(problems: DefinitionProblem[], what = 'workflow definition') {
    super(
      'workflow_invalid',
      `The ${what} has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ` +
        problems.map((problem) => `${problem.path}: ${problem.message}`).join('; '),
      400,
    );
    this.problems = problems;
  }
}

export class WorkflowNameTakenError extends TalonError {
  constructor(name: string) {
    super('workflow_name_taken', `A workflow named "${name}" already exists`, 409);
  }
}

/** The workflow was saved again between reading it (and checking a 2FA code for it) and writing. */
export class WorkflowChangedError extends TalonError {
  constructor() {
    super(
      'workflow_changed',
      'The workflow was changed meanwhile: load it again and repeat your change',
      409,
    );
  }
}

export class WorkflowDisabledError extends TalonError {
  constructor(name: string) {
    super('workflow_disabled', `Workflow "${name}" is disabled; enable it to run it`, 409);
  }
}

export class RunNotCancellableError extends TalonError {
  constructor(id: string, status: string) {
    super('run_not_cancellable', `Run ${id} is already ${status}`, 409);
  }
}
