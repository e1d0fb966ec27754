/**
 * `POST /webhooks/github` behind the HTTP edge (reference §7): the signature first (no secret, no
 * delivery), then the delivery id (a replay is acknowledged and ignored), then what the event means:
 * the workflows bound to it start, or the built-in security review does.
 */
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import type { GithubTrigger } from '../workflows/definition.ts';
import type { WorkflowEngine } from '../workflows/engine.ts';
import type { WorkflowRecord } from '../workflows/repository.ts';
import type { GithubDeliveries } from './deliveries.ts';
import { readGithubEvent, type GithubEvent } from './github-event.ts';
import type { ReviewPort } from './reviews.ts';
import { verifyGithubSignature } from './webhook-signature.ts';

export interface GithubDelivery {
  signature: string | undefined;
  event: string | undefined;
  deliveryId: string | undefined;
  contentType: string | undefined;
  body: Buffer;
}

export interface GithubAnswer {
  status: 'pong' | 'duplicate' | 'ignored' | 'accepted';
  reason?: string;
  runIds?: string[];
  review?: 'queued' | 'refused';
}

export type GithubOutcome =
  { ok: true; answer: GithubAnswer } | { ok: false; status: number; error: string; message: string };

const DELIVERY_ID_MAX_CHARS = 200;

function refused(status: number, error: string, message: string): GithubOutcome {
  return { ok: false, status, error, message };
}

/** `github.watched_branches`: comma-separated, trimmed (AlexClaw's default `main,master`). */
export function watchedBranches(settings: SettingsStore): string[] {
  return settings
    .getString('github.watched_branches', 'main,master')
    .split(',')
    .map((branch) => branch.trim())
    .filter((branch) => branch !== '');
}

/** Whether a workflow's GitHub trigger covers this event (repositories compared as GitHub does, in any case). */
export function triggerMatches(trigger: GithubTrigger, event: GithubEvent): boolean {
  if (!trigger.events.includes(event.event)) return false;
  const repo = event.repository.toLowerCase();
  if (trigger.repos.length > 0 && !trigger.repos.some((wanted) => wanted.toLowerCase() === repo))
    return false;
  return trigger.branches.length === 0 || trigger.branches.includes(event.branch);
}

export class GithubWebhookReceiver {
  readonly #settings: SettingsStore;
  readonly #deliveries: GithubDeliveries;
  readonly #workflows: WorkflowEngine | undefined;
  readonly #reviews: ReviewPort | undefined;
  readonly #audit: AuditLog;
  readonly #logger: Logger;

  constructor(options: {
    settings: SettingsStore;
    deliveries: GithubDeliveries;
    workflows: WorkflowEngine | undefined;
    reviews: ReviewPort | undefined;
    audit: AuditLog;
    logger: Logger;
  }) {
    this.#settings = options.settings;
    this.#deliveries = options.deliveries;
    this.#workflows = options.workflows;
    this.#reviews = options.reviews;
    this.#audit = options.audit;
    this.#logger = options.logger;
  }

  async receive(delivery: GithubDelivery): Promise<GithubOutcome> {
    const secret = this.#settings.getString('github.webhook_secret');
    const verdict = verifyGithubSignature(secret, delivery.signature, delivery.body);
    if (verdict !== 'valid') {
      this.#logger.warn({ event: delivery.event, verdict }, 'GitHub delivery refused');
      return verdict === 'no_secret'
        ? refused(
            401,
            'github_webhook_not_configured',
            'No GitHub webhook secret is set (github.webhook_secret): every delivery is refused',
          )
        : refused(401, 'github_signature_invalid', 'Missing or wrong X-Hub-Signature-256');
    }
    const id = delivery.deliveryId ?? '';
    if (id === '' || id.length > DELIVERY_ID_MAX_CHARS) {
      return refused(400, 'github_delivery_id_missing', 'A delivery needs its X-GitHub-Delivery id');
    }
    if (!(await this.#deliveries.firstTime(id, delivery.event ?? ''))) {
      return { ok: true, answer: { status: 'duplicate', reason: `delivery ${id} was received before` } };
    }
    if (delivery.event === 'ping') return { ok: true, answer: { status: 'pong' } };
    if (!(delivery.contentType ?? '').toLowerCase().startsWith('application/json')) {
      return refused(415, 'github_content_type', "Set the GitHub webhook's content type to application/json");
    }
    let payload: unknown;
    try {
      payload = JSON.parse(delivery.body.toString('utf8'));
    } catch {
      return refused(400, 'invalid_json', 'The delivery body is not valid JSON');
    }
    const reading = readGithubEvent(delivery.event, payload);
    if (reading.kind === 'ignored')
      return { ok: true, answer: { status: 'ignored', reason: reading.reason } };
    const answer = await this.#dispatch(reading.event, id);
    await this.#audit.record({
      actor: 'github',
      action: 'github.webhook',
      target: reading.event.repository,
      outcome: 'succeeded',
      source: id,
      details: { event: reading.event.event, branch: reading.event.branch, ...answer },
    });
    return { ok: true, answer };
  }

  async #dispatch(event: GithubEvent, deliveryId: string): Promise<GithubAnswer> {
    const bound = await this.#boundWorkflows(event);
    if (bound.length > 0) {
      const runIds: string[] = [];
      for (const workflow of bound) {
        try {
          const run = await this.#workflows!.service.trigger(workflow.id, {
            trigger: 'webhook',
            input: event as unknown as JsonValue,
            actor: 'github',
            source: deliveryId,
          });
          runIds.push(run.id);
        } catch (error) {
          this.#logger.warn(
            { workflow: workflow.definition.name, reason: errorMessage(error) },
            'a workflow bound to GitHub could not start',
          );
        }
      }
      return { status: 'accepted', runIds };
    }
    if (event.event === 'push' && !watchedBranches(this.#settings).includes(event.branch)) {
      return { status: 'ignored', reason: `branch ${event.branch} is not watched (github.watched_branches)` };
    }
    if (!this.#reviews)
      return { status: 'ignored', reason: 'security reviews are not available on this node' };
    const target =
      event.event === 'pull_request'
        ? { repo: event.repository, pr: event.number }
        : { repo: event.repository, sha: event.sha };
    const started = this.#reviews.start(target, `github:${deliveryId}`);
    return started.queued
      ? { status: 'accepted', review: 'queued' }
      : { status: 'accepted', review: 'refused', reason: started.reason };
  }

  async #boundWorkflows(event: GithubEvent): Promise<WorkflowRecord[]> {
    if (!this.#workflows) return [];
    const all = await this.#workflows.workflows.list();
    return all.filter((workflow) => {
      const trigger = workflow.definition.triggers?.github;
      return workflow.definition.enabled && trigger != null && triggerMatches(trigger, event);
    });
  }
}
