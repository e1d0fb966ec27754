/**
 * `POST /webhooks/workflows/:id` behind the HTTP edge: a Standard Webhooks delivery starts the
 * workflow with the JSON body as the run's input. In order: an enabled trigger (else 404 — the same
 * answer whether the workflow exists or not), the signature and timestamp (401), the webhook-id (a
 * message seen before is acknowledged with its run and starts nothing), 60 deliveries a minute per
 * workflow across nodes (429), a JSON body (415, 400); then the run: 202 with its id, or its output
 * when the trigger waits and it ends within 30 s. A requires-2FA workflow's run waits in
 * `waiting_2fa`, and the owner is told (the gateway announces runs waiting for a code).
 */
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import { sql } from 'slonik';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { DatabasePool } from '../db/pool.ts';
import type { WorkflowEngine } from '../workflows/engine.ts';
import type { RunRecord } from '../workflows/run-repository.ts';
import { waitForRunEnd } from '../workflows/wait-for-run.ts';
import { verifyStandardWebhook, type StandardHeaders } from './standard-signature.ts';
import type { WorkflowWebhooks } from './workflow-webhooks.ts';

/** Deliveries a workflow accepts per minute (all nodes together). */
export const DELIVERIES_PER_MINUTE = 60;
/** The longest a delivery waits for its run's output before answering 202. */
export const WAIT_LIMIT_MS = 30_000;
/** How long a webhook-id is remembered (timestamps older than 5 minutes are refused anyway). */
export const MESSAGE_MEMORY_HOURS = 24;

export interface WebhookDelivery {
  workflowId: string;
  headers: StandardHeaders;
  contentType: string | undefined;
  body: Buffer;
}

export type WebhookOutcome =
  | { ok: true; status: 200 | 202; run: RunRecord; duplicate: boolean }
  | { ok: false; status: number; error: string; message: string; retryAfterSeconds?: number };

const refused = (status: number, error: string, message: string): WebhookOutcome => ({
  ok: false,
  status,
  error,
  message,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class WorkflowWebhookReceiver {
  readonly #pool: DatabasePool;
  readonly #webhooks: WorkflowWebhooks;
  readonly #engine: WorkflowEngine;
  readonly #audit: AuditLog;
  readonly #now: () => number;
  readonly #waitLimitMs: number;
  readonly #perMinute: number;

  constructor(options: {
    pool: DatabasePool;
    webhooks: WorkflowWebhooks;
    engine: WorkflowEngine;
    audit: AuditLog;
    now?: () => number;
    waitLimitMs?: number;
    /** Deliveries a minute per workflow (tests set fewer). */
    perMinute?: number;
  }) {
    this.#pool = options.pool;
    this.#webhooks = options.webhooks;
    this.#engine = options.engine;
    this.#audit = options.audit;
    this.#now = options.now ?? Date.now;
    this.#waitLimitMs = options.waitLimitMs ?? WAIT_LIMIT_MS;
    this.#perMinute = options.perMinute ?? DELIVERIES_PER_MINUTE;
  }

  async receive(delivery: WebhookDelivery): Promise<WebhookOutcome> {
    const notFound = refused(404, 'webhook_not_found', 'No enabled webhook trigger has this address');
    if (!UUID.test(delivery.workflowId)) return notFound;
    const trigger = await this.#webhooks.get(delivery.workflowId);
    const secret = this.#webhooks.secretOf(delivery.workflowId);
    if (!trigger?.enabled || secret === undefined) return notFound;
    const verdict = verifyStandardWebhook(
      secret,
      delivery.headers,
      delivery.body,
      Math.floor(this.#now() / 1000),
    );
    if (!verdict.ok) return refused(401, verdict.error, verdict.message);
    const seen = await this.#runOf(delivery.workflowId, verdict.id);
    if (seen !== undefined) {
      return { ok: true, status: 200, run: await this.#engine.runs.get(seen), duplicate: true };
    }
    if (!(delivery.contentType ?? '').toLowerCase().startsWith('application/json')) {
      return refused(
        415,
        'webhook_content_type',
        'A webhook body must be JSON (Content-Type: application/json)',
      );
    }
    let input: JsonValue;
    try {
      input = JSON.parse(delivery.body.toString('utf8')) as JsonValue;
    } catch {
      return refused(400, 'invalid_json', 'The webhook body is not valid JSON');
    }
    const admitted = await this.#admit(delivery.workflowId, verdict.id);
    if (admitted === 'duplicate') {
      const runId = await this.#runOf(delivery.workflowId, verdict.id);
      if (runId) return { ok: true, status: 200, run: await this.#engine.runs.get(runId), duplicate: true };
      return refused(409, 'webhook_in_progress', `webhook-id ${verdict.id} is being delivered right now`);
    }
    if (admitted === 'rate_limited') {
      return {
        ok: false,
        status: 429,
        error: 'rate_limited',
        message: `This workflow takes at most ${this.#perMinute} webhook deliveries a minute: try again later`,
        retryAfterSeconds: 60,
      };
    }
    let run: RunRecord;
    try {
      run = await this.#engine.service.trigger(delivery.workflowId, {
        trigger: 'webhook',
        input,
        actor: 'webhook',
        source: verdict.id,
      });
    } catch (error) {
      // Not started: the id may be sent again.
      await this.#forget(delivery.workflowId, verdict.id);
      throw error;
    }
    await this.#pool.query(sql.unsafe`
      UPDATE workflow_webhook_messages SET run_id = ${run.id}
      WHERE workflow_id = ${delivery.workflowId} AND message_id = ${verdict.id}`);
    await this.#audit.record({
      actor: 'webhook',
      action: 'workflow.webhook',
      target: delivery.workflowId,
      outcome: 'succeeded',
      source: verdict.id,
      details: { runId: run.id, status: run.status },
    });
    if (!trigger.wait || run.status === 'waiting_2fa')
      return { ok: true, status: 202, run, duplicate: false };
    const ended = await waitForRunEnd(this.#engine.runs, this.#engine.events, run.id, this.#waitLimitMs);
    const done = ended.status === 'completed' || ended.status === 'failed' || ended.status === 'cancelled';
    return { ok: true, status: done ? 200 : 202, run: ended, duplicate: false };
  }

  async #runOf(workflowId: string, messageId: string): Promise<string | undefined> {
    const row = await this.#pool.maybeOne(sql.type(z.object({ run_id: z.string().nullable() }))`
      SELECT run_id FROM workflow_webhook_messages WHERE workflow_id = ${workflowId} AND message_id = ${messageId}`);
    return row?.run_id ?? undefined;
  }

  /** Records the message unless seen before or over the minute's budget, as one decision across nodes. */
  async #admit(workflowId: string, messageId: string): Promise<'admitted' | 'duplicate' | 'rate_limited'> {
    return this.#pool.transaction(async (tx) => {
      await tx.query(
        sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended(${`webhook:${workflowId}`}, 0))`,
      );
      await tx.query(sql.unsafe`
        DELETE FROM workflow_webhook_messages
        WHERE workflow_id = ${workflowId} AND received_at < now() - make_interval(hours => ${MESSAGE_MEMORY_HOURS})`);
      const seen = await tx.maybeOne(sql.unsafe`
        SELECT 1 FROM workflow_webhook_messages WHERE workflow_id = ${workflowId} AND message_id = ${messageId}`);
      if (seen) return 'duplicate';
      const recent = await tx.oneFirst(sql.type(z.object({ count: z.number() }))`
        SELECT count(*)::int AS count FROM workflow_webhook_messages
        WHERE workflow_id = ${workflowId} AND received_at > now() - interval '1 minute'`);
      if (recent >= this.#perMinute) return 'rate_limited';
      await tx.query(sql.unsafe`
        INSERT INTO workflow_webhook_messages (workflow_id, message_id) VALUES (${workflowId}, ${messageId})`);
      return 'admitted';
    });
  }

  async #forget(workflowId: string, messageId: string): Promise<void> {
    await this.#pool.query(sql.unsafe`
      DELETE FROM workflow_webhook_messages WHERE workflow_id = ${workflowId} AND message_id = ${messageId}`);
  }
}
