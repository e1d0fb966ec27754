/**
 * The signed webhook trigger of each workflow: whether it is on, whether a delivery waits for the
 * run's output, and its secret — a sensitive setting of its own, shown once when it is made and
 * never again (encrypted at rest, rotated with the other secrets, never exported with the workflow).
 * Adding, enabling or regenerating one changes who can start Talon's work: it needs a fresh 2FA
 * code once 2FA is enrolled. Switching one off or changing `wait` does not.
 */
import { sql } from 'slonik';
import { z } from 'zod';
import type { StepUpVerifier } from '../auth/step-up.ts';
import type { DatabasePool } from '../db/pool.ts';
import { TalonError } from '../errors.ts';
import type { SettingsStore } from '../settings/store.ts';
import type { WorkflowRepository } from '../workflows/repository.ts';
import { generateWebhookSecret } from './standard-signature.ts';

export const WEBHOOK_STEP_UP_ACTION = 'workflow.webhook';

export const WEBHOOK_SECRET_PREFIX = 'workflows.webhook.';
const SECRET_SUFFIX = '.secret';

/** The setting that holds a workflow's webhook secret (a setting key has no dashes: `_` instead). */
export function webhookSecretSetting(workflowId: string): string {
  return `${WEBHOOK_SECRET_PREFIX}${workflowId.toLowerCase().replaceAll('-', '_')}${SECRET_SUFFIX}`;
}

export interface WebhookTrigger {
  workflowId: string;
  enabled: boolean;
  wait: boolean;
  createdAt: number;
  secretCreatedAt: number;
}

export interface Requester {
  actor: string;
  source?: string | undefined;
  session?: string | undefined;
}

const triggerRow = z.object({
  workflow_id: z.string(),
  enabled: z.boolean(),
  wait_for_output: z.boolean(),
  created_at: z.number(),
  secret_created_at: z.number(),
});

function toTrigger(row: z.infer<typeof triggerRow>): WebhookTrigger {
  return {
    workflowId: row.workflow_id,
    enabled: row.enabled,
    wait: row.wait_for_output,
    createdAt: row.created_at,
    secretCreatedAt: row.secret_created_at,
  };
}

export class WorkflowWebhooks {
  readonly #pool: DatabasePool;
  readonly #settings: SettingsStore;
  readonly #stepUp: StepUpVerifier;
  readonly #workflows: WorkflowRepository;

  constructor(options: {
    pool: DatabasePool;
    settings: SettingsStore;
    stepUp: StepUpVerifier;
    workflows: WorkflowRepository;
  }) {
    this.#pool = options.pool;
    this.#settings = options.settings;
    this.#stepUp = options.stepUp;
    this.#workflows = options.workflows;
  }

  async get(workflowId: string): Promise<WebhookTrigger | undefined> {
    const row = await this.#pool.maybeOne(sql.type(triggerRow)`
      SELECT workflow_id, enabled, wait_for_output, created_at, secret_created_at
      FROM workflow_webhooks WHERE workflow_id = ${workflowId}`);
    return row ? toTrigger(row) : undefined;
  }

  /** The secret that verifies deliveries for an enabled trigger; undefined when there is none. */
  secretOf(workflowId: string): string | undefined {
    const secret = this.#settings.getString(webhookSecretSetting(workflowId));
    return secret === '' ? undefined : secret;
  }

  /**
   * Sets the trigger on or off and whether deliveries wait for the output. Switching it on (a new
   * trigger, or one that was off) needs a code; a new trigger's secret is answered, this once.
   */
  async configure(
    workflowId: string,
    change: { enabled: boolean; wait: boolean },
    code: string | undefined,
    requester: Requester,
  ): Promise<{ trigger: WebhookTrigger; secret: string | undefined }> {
    await this.#workflows.get(workflowId);
    const current = await this.get(workflowId);
    const turningOn = change.enabled && !(current?.enabled ?? false);
    if (turningOn) await this.#verify(workflowId, code, requester);
    let secret: string | undefined;
    if (change.enabled && this.secretOf(workflowId) === undefined) {
      secret = generateWebhookSecret();
      await this.#storeSecret(workflowId, secret);
    }
    await this.#pool.query(sql.unsafe`
      INSERT INTO workflow_webhooks (workflow_id, enabled, wait_for_output)
      VALUES (${workflowId}, ${change.enabled}, ${change.wait})
      ON CONFLICT (workflow_id) DO UPDATE SET enabled = EXCLUDED.enabled, wait_for_output = EXCLUDED.wait_for_output,
        secret_created_at = CASE WHEN ${secret !== undefined} THEN now() ELSE workflow_webhooks.secret_created_at END`);
    return { trigger: (await this.get(workflowId))!, secret };
  }

  /** A new secret (needs a code); the old one stops working at once. Answered this once. */
  async regenerate(workflowId: string, code: string | undefined, requester: Requester): Promise<string> {
    const current = await this.get(workflowId);
    if (!current) throw new WebhookTriggerMissingError(workflowId);
    await this.#verify(workflowId, code, requester);
    const secret = generateWebhookSecret();
    await this.#storeSecret(workflowId, secret);
    await this.#pool.query(sql.unsafe`
      UPDATE workflow_webhooks SET secret_created_at = now() WHERE workflow_id = ${workflowId}`);
    return secret;
  }

  /** Removes the trigger and its secret (no code: it only takes a way in away). */
  async remove(workflowId: string): Promise<void> {
    await this.#pool.query(sql.unsafe`DELETE FROM workflow_webhooks WHERE workflow_id = ${workflowId}`);
    if (this.#settings.has(webhookSecretSetting(workflowId))) {
      await this.#settings.delete(webhookSecretSetting(workflowId));
    }
  }

  /** Secrets left behind by workflows deleted since (called at start). */
  async removeOrphanSecrets(): Promise<number> {
    const kept = new Set(
      (
        await this.#pool.anyFirst(sql.type(z.object({ workflow_id: z.string() }))`
          SELECT workflow_id FROM workflow_webhooks`)
      ).map(webhookSecretSetting),
    );
    let removed = 0;
    for (const view of this.#settings.list()) {
      if (!view.key.startsWith(WEBHOOK_SECRET_PREFIX) || !view.key.endsWith(SECRET_SUFFIX)) continue;
      if (!kept.has(view.key)) {
        await this.#settings.delete(view.key);
        removed++;
      }
    }
    return removed;
  }

  async #verify(workflowId: string, code: string | undefined, requester: Requester): Promise<void> {
    await this.#stepUp.verify({
      action: WEBHOOK_STEP_UP_ACTION,
      code,
      actor: requester.actor,
      source: requester.source,
      session: requester.session,
      target: workflowId,
      // As the once_enrolled settings: before enrolment there is nothing to step up with.
      whenNotEnrolled: 'allow',
    });
  }

  async #storeSecret(workflowId: string, secret: string): Promise<void> {
    await this.#settings.set(webhookSecretSetting(workflowId), secret, {
      type: 'string',
      category: 'workflows',
      sensitive: true,
      description: 'Signs the deliveries of this workflow’s webhook trigger (Standard Webhooks)',
    });
  }
}

export class WebhookTriggerMissingError extends TalonError {
  constructor(workflowId: string) {
    super('webhook_trigger_missing', `Workflow ${workflowId} has no webhook trigger: add one first`, 404);
  }
}
