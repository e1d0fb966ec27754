import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import {
  STEP_SECRET_BINDING_FIELD,
  stepSecretBinding,
} from '@talon/skill-runtime/contract/step-secret-binding.ts';
import type { SecretBinding } from '@talon/skill-runtime/contract/secret-bindings.ts';
import type { DefinitionProblem } from './validate-definition.ts';
import type { WorkflowDefinition } from './definition.ts';
import type { SkillCatalog } from './skill-catalog.ts';

/** A secret binding a step's config chooses (`secretBinding`), with its one-line key. */
export interface StepBinding {
  stepId: string;
  binding: SecretBinding;
  key: string;
}

const approvalRow = z.object({ step_id: z.string(), binding_key: z.string() });

/** How the approval of one step's binding is looked up: step id and binding key together. */
function approvalKey(stepId: string, bindingKey: string): string {
  return `${stepId}\n${bindingKey}`;
}

/**
 * The bindings a definition's steps choose, each checked against its skill: it must ask for the
 * `secrets` permission, and the binding may send the secret only to hosts the skill's `net` lets it
 * reach. Problems carry the config's JSON path (`/steps/2/config/secretBinding/hosts/0`).
 */
export function stepBindingsOf(
  definition: WorkflowDefinition,
  catalog: SkillCatalog,
): { bindings: StepBinding[]; problems: DefinitionProblem[] } {
  const bindings: StepBinding[] = [];
  const problems: DefinitionProblem[] = [];
  definition.steps.forEach((step, index) => {
    const skill = catalog.describe(step.skill);
    const chosen = stepSecretBinding(step.config, skill?.net ?? []);
    if (!chosen.present) return;
    const at = `/steps/${index}/config`;
    if ('problems' in chosen) {
      problems.push(
        ...chosen.problems.map((problem) => ({ path: `${at}${problem.path}`, message: problem.message })),
      );
      return;
    }
    if (skill !== undefined && !skill.permissions.includes('secrets')) {
      problems.push({
        path: `${at}/secretBinding`,
        message: `${step.skill} does not ask for the "secrets" permission: it cannot use a secret`,
      });
      return;
    }
    bindings.push({ stepId: step.id, binding: chosen.binding, key: chosen.key });
  });
  return { bindings, problems };
}

/**
 * Which step bindings the owner approved, per workflow: a row per workflow, step and binding key,
 * written when a save that chose them was approved with a 2FA code (`WorkflowService`). A binding
 * that changes in any way (handle, host, header, prefix) has another key and needs a new code.
 */
export class StepSecretBindingStore {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  /** The approved `step id + binding key` pairs of a workflow. */
  async approved(workflowId: string): Promise<ReadonlySet<string>> {
    const rows = await this.#pool.any(sql.type(approvalRow)`
      SELECT step_id, binding_key FROM workflow_step_secret_bindings WHERE workflow_id = ${workflowId}`);
    return new Set(rows.map((row) => approvalKey(row.step_id, row.binding_key)));
  }

  /** Of `bindings`, those not approved yet for this workflow (all of them for a new workflow). */
  async unapproved(workflowId: string | undefined, bindings: readonly StepBinding[]): Promise<StepBinding[]> {
    if (bindings.length === 0) return [];
    const approved = workflowId === undefined ? new Set<string>() : await this.approved(workflowId);
    return bindings.filter((entry) => !approved.has(approvalKey(entry.stepId, entry.key)));
  }

  /** Records bindings as approved for a workflow (after the save their code allowed). */
  async approve(workflowId: string, bindings: readonly StepBinding[], approvedBy: string): Promise<void> {
    for (const entry of bindings) {
      await this.#pool.query(sql.unsafe`
        INSERT INTO workflow_step_secret_bindings (workflow_id, step_id, binding_key, approved_by)
        VALUES (${workflowId}, ${entry.stepId}, ${entry.key}, ${approvedBy})
        ON CONFLICT DO NOTHING`);
    }
  }

  /**
   * Whether any step of the definition chooses a binding in its config: a run of a workflow whose
   * steps choose none hands no step a binding, so it need not read the approvals.
   */
  static choosesAny(definition: Pick<WorkflowDefinition, 'steps'>): boolean {
    return definition.steps.some((step) => step.config[STEP_SECRET_BINDING_FIELD] !== undefined);
  }

  /** The binding a step may hand its skill in a run: chosen in its config and approved; else none. */
  static forStep(
    approved: ReadonlySet<string>,
    stepId: string,
    config: unknown,
    net: readonly string[],
  ): SecretBinding[] {
    const chosen = stepSecretBinding(config, net);
    if (!chosen.present || 'problems' in chosen) return [];
    return approved.has(approvalKey(stepId, chosen.key)) ? [chosen.binding] : [];
  }
}
