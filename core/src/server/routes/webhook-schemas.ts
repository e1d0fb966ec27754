/**
 * The JSON schemas of the webhook routes (`POST /webhooks/github`, `POST /webhooks/workflows/:id`)
 * and of a workflow's webhook trigger in the admin, with the wire types derived from them. No
 * runtime imports: the admin imports the types.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const githubWebhookAnswerSchema = {
  type: 'object',
  required: ['status'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['pong', 'duplicate', 'ignored', 'accepted'] },
    /** Why it was ignored, or why the review was refused. */
    reason: { type: 'string' },
    /** Runs started by workflows bound to the event. */
    runIds: { type: 'array', items: { type: 'string' } },
    /** The built-in security review, when no workflow was bound. */
    review: { type: 'string', enum: ['queued', 'refused'] },
  },
} as const;
export type GithubWebhookAnswer = FromSchema<typeof githubWebhookAnswerSchema>;

export const workflowWebhookParamsSchema = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', maxLength: 100 } },
} as const;

/** 202: the run started (or waits for a code); 200: a duplicate, or the ended run of a waiting trigger. */
export const workflowWebhookAnswerSchema = {
  type: 'object',
  required: ['runId', 'status', 'duplicate'],
  additionalProperties: false,
  properties: {
    runId: { type: 'string' },
    status: { type: 'string' },
    /** This webhook-id was delivered before: nothing new started. */
    duplicate: { type: 'boolean' },
    /** The run's output, once it ended (a trigger that waits). */
    output: {},
    error: {
      type: ['object', 'null'],
      required: ['code', 'message'],
      additionalProperties: false,
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;
export type WorkflowWebhookAnswer = FromSchema<typeof workflowWebhookAnswerSchema>;

export const webhookTriggerSchema = {
  type: 'object',
  required: ['enabled', 'wait', 'path', 'url', 'secretCreatedAt', 'deliveriesPerMinute', 'waitSeconds'],
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    wait: { type: 'boolean' },
    /** `/webhooks/workflows/<id>`. */
    path: { type: 'string' },
    /** The address to give the sender, from `server.public_url` (null when that is not set). */
    url: { type: ['string', 'null'] },
    secretCreatedAt: { type: 'integer' },
    deliveriesPerMinute: { type: 'integer' },
    waitSeconds: { type: 'integer' },
  },
} as const;
export type WebhookTriggerView = FromSchema<typeof webhookTriggerSchema>;

export const webhookTriggerAnswerSchema = {
  type: 'object',
  required: ['trigger'],
  additionalProperties: false,
  properties: {
    /** null: the workflow has no webhook trigger. */
    trigger: { anyOf: [webhookTriggerSchema, { type: 'null' }] },
    /** The secret, in the answer that made it only: shown once, never again. */
    secret: { type: 'string' },
  },
} as const;
export type WebhookTriggerAnswer = FromSchema<typeof webhookTriggerAnswerSchema>;

export const webhookTriggerBodySchema = {
  type: 'object',
  required: ['enabled', 'wait'],
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    wait: { type: 'boolean' },
    totpCode: { type: 'string', maxLength: 20 },
  },
} as const;
export type WebhookTriggerBody = FromSchema<typeof webhookTriggerBodySchema>;

export const webhookSecretBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { totpCode: { type: 'string', maxLength: 20 } },
} as const;

export const webhookSecretAnswerSchema = {
  type: 'object',
  required: ['secret'],
  additionalProperties: false,
  properties: { secret: { type: 'string' } },
} as const;
