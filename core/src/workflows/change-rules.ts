import { TalonError } from '../errors.ts';
import type { WorkflowDefinition } from './definition.ts';
import type { CurrentWorkflow } from './repository.ts';
import type { Requester, StepUpCheck } from './service.ts';

/** Who asks for a change to a workflow, and the 2FA code they typed (if any). */
export interface ChangeRequest extends Requester {
  totpCode?: string | undefined;
}

export type WorkflowChange =
  | { kind: 'create'; next: WorkflowDefinition }
  | { kind: 'update'; current: CurrentWorkflow; next: WorkflowDefinition }
  | { kind: 'delete'; current: CurrentWorkflow };

/** Refused when a workflow would start requiring 2FA while nobody could give it a code. */
export class TwoFactorNotEnrolledError extends TalonError {
  constructor() {
    super(
      'totp_not_enrolled',
      'A workflow can require 2FA only once 2FA is enrolled: enrol it on the Security screen first',
      403,
    );
  }
}

/** The 2FA action a change of a workflow's current version is checked for (codes are bound to it). */
export function changeTarget(workflow: CurrentWorkflow): string {
  return `${workflow.id}@v${workflow.version}`;
}

/**
 * What changing a workflow needs besides the admin session (issue 10 §1: a password-only session
 * may use Talon but not weaken it). The one place these rules live:
 *
 * - Any change to a workflow that requires 2FA — its steps, their configs, its schedule, its
 *   triggers, switching it off or switching its 2FA off — and deleting it need a fresh code for
 *   its current version, once 2FA is enrolled. Before enrolment the change goes through: there is
 *   nothing to step up with, and the dashboard says in red what that leaves open.
 * - A workflow can start requiring 2FA (created, imported or edited so) only once 2FA is enrolled.
 * - Importing never writes over a workflow: an import is always a new one, and a name that is
 *   taken is refused (`workflow_name_taken`), so a requires-2FA workflow cannot be replaced that way.
 */
export class WorkflowChangeRules {
  readonly #stepUp: StepUpCheck;
  readonly #twoFactorEnrolled: () => boolean;

  constructor(stepUp: StepUpCheck, twoFactorEnrolled: () => boolean) {
    this.#stepUp = stepUp;
    this.#twoFactorEnrolled = twoFactorEnrolled;
  }

  /**
   * `newSecretBindings`: the one-line keys of secret bindings the change chooses in its steps that
   * were not approved for them yet (step-secret-bindings.ts). Each sends a secret somewhere, so the
   * change needs a fresh code, and 2FA enrolled (as approving a skill's own bindings does). One code
   * covers the whole change.
   */
  async check(
    change: WorkflowChange,
    request: ChangeRequest,
    newSecretBindings: readonly string[] = [],
  ): Promise<void> {
    const before = change.kind === 'create' ? undefined : change.current;
    const after = change.kind === 'delete' ? undefined : change.next;
    if (after?.requires2fa && !before?.definition.requires2fa && !this.#twoFactorEnrolled()) {
      throw new TwoFactorNotEnrolledError();
    }
    if (newSecretBindings.length > 0) {
      await this.#stepUp.verify({
        action: 'workflow.secret_binding',
        code: request.totpCode,
        actor: request.actor,
        source: request.source,
        session: request.session,
        target:
          `${before ? changeTarget(before) : `new workflow "${after?.name ?? ''}"`}: ${newSecretBindings.join('; ')}`.slice(
            0,
            1000,
          ),
      });
      return;
    }
    if (before?.definition.requires2fa) {
      await this.#stepUp.verify({
        action: change.kind === 'delete' ? 'workflow.delete' : 'workflow.update',
        code: request.totpCode,
        actor: request.actor,
        source: request.source,
        session: request.session,
        target: changeTarget(before),
        whenNotEnrolled: 'allow',
      });
    }
  }
}
