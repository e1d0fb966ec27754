/**
 * JSON schemas of /api/workflows: what each route accepts and the exact fields it answers with. The
 * wire types the admin reads are core/src/workflows/wire-types.ts; the type provider checks every
 * view the routes send against these schemas. No imports with runtime code beyond constants.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { MISSED_RUN_POLICIES } from '../../workflows/definition.ts';
import { RUN_STATUSES, RUN_TRIGGERS } from '../../workflows/wire-types.ts';
import { errorBodySchema, errorResponses } from '../error-schema.ts';
import { apiCallSchema } from './skills-schemas.ts';

const uuid = { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } as const;
const totpCode = { type: 'string', maxLength: 16 } as const;
const nullableString = { type: ['string', 'null'] } as const;
/** Any JSON value, sent as it is (a definition, a run's input and output, a step snapshot). */
const anyJson = {} as const;

export const workflowIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: uuid },
} as const;

export const runIdParams = {
  type: 'object',
  required: ['runId'],
  additionalProperties: false,
  properties: { runId: uuid },
} as const;

export const codeBody = { type: 'object', additionalProperties: false, properties: { totpCode } } as const;

// Definitions are checked by the workflow rules themselves, which report every problem with its path.
export const definitionBody = { type: 'object' } as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { search: { type: 'string', maxLength: 100 } },
} as const;

/** `?wait=true` answers when the run has ended (200), or with 202 after the wait limit. */
export const triggerQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { wait: { type: 'boolean' } },
} as const;

export const triggerBody = {
  type: 'object',
  additionalProperties: false,
  properties: { input: anyJson, totpCode, trigger: { type: 'string', enum: ['manual', 'api'] } },
} as const;

export const runsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...RUN_STATUSES] },
    limit: { type: 'integer', minimum: 1, maximum: 500 },
  },
} as const;

export const importBody = {
  type: 'object',
  required: ['document'],
  additionalProperties: false,
  properties: {
    document: anyJson,
    name: { type: 'string', minLength: 1, maxLength: 100 },
    /** Needed when a step of the document chooses a secret binding. */
    totpCode: { type: 'string', maxLength: 16 },
  },
} as const;

const scheduleStatus = { type: 'string', enum: ['none', 'off', 'active', 'awaiting_approval'] } as const;

export const workflowViewSchema = {
  type: 'object',
  required: [
    'id',
    'version',
    'scheduleStatus',
    'scheduleApprovedVersion',
    'scheduleLastTickAt',
    'createdAt',
    'updatedAt',
    'definition',
  ],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    version: { type: 'integer' },
    scheduleStatus,
    scheduleApprovedVersion: { type: ['integer', 'null'] },
    scheduleLastTickAt: nullableString,
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    // The stored definition as it was validated by the workflow rules (definition-schema.ts).
    definition: anyJson,
  },
} as const;

const scheduleSchema = {
  type: ['object', 'null'],
  required: ['cron', 'timezone', 'missedRunPolicy', 'enabled'],
  additionalProperties: false,
  properties: {
    cron: { type: 'string' },
    timezone: { type: 'string' },
    missedRunPolicy: { type: 'string', enum: [...MISSED_RUN_POLICIES] },
    enabled: { type: 'boolean' },
  },
} as const;

export const workflowListSchema = {
  type: 'object',
  required: ['workflows'],
  additionalProperties: false,
  properties: {
    workflows: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'id',
          'name',
          'description',
          'enabled',
          'requires2fa',
          'version',
          'scheduleStatus',
          'schedule',
          'stepCount',
          'updatedAt',
        ],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          description: { type: 'string' },
          enabled: { type: 'boolean' },
          requires2fa: { type: 'boolean' },
          version: { type: 'integer' },
          scheduleStatus,
          schedule: scheduleSchema,
          stepCount: { type: 'integer' },
          updatedAt: { type: 'string' },
        },
      },
    },
  },
} as const;

export const runViewSchema = {
  type: 'object',
  required: [
    'id',
    'workflowId',
    'workflowName',
    'workflowVersion',
    'status',
    'trigger',
    'input',
    'output',
    'error',
    'node',
    'scheduledFor',
    'stepsExecuted',
    'createdAt',
    'startedAt',
    'finishedAt',
    'approvalDeadline',
  ],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    workflowId: { type: 'string' },
    workflowName: { type: 'string' },
    workflowVersion: { type: 'integer' },
    status: { type: 'string', enum: [...RUN_STATUSES] },
    trigger: { type: 'string', enum: [...RUN_TRIGGERS] },
    input: anyJson,
    output: anyJson,
    error: {
      type: ['object', 'null'],
      required: ['code', 'message', 'stepId'],
      additionalProperties: false,
      properties: { code: { type: 'string' }, message: nullableString, stepId: nullableString },
    },
    node: nullableString,
    scheduledFor: nullableString,
    stepsExecuted: { type: 'integer' },
    createdAt: { type: 'string' },
    startedAt: nullableString,
    finishedAt: nullableString,
    approvalDeadline: nullableString,
  },
} as const;

/** What the content sanitizer removed from an external skill's output (content/sanitizer.ts). */
const sanitizeReportSchema = {
  type: ['object', 'null'],
  required: ['strings', 'changed', 'removedCharacters', 'hiddenTagText', 'phrases', 'truncated'],
  additionalProperties: false,
  properties: {
    strings: { type: 'integer' },
    changed: { type: 'integer' },
    removedCharacters: { type: 'object', additionalProperties: { type: 'integer' } },
    hiddenTagText: { type: 'string' },
    phrases: {
      type: 'array',
      items: {
        type: 'object',
        required: ['phrase', 'count'],
        additionalProperties: false,
        properties: { phrase: { type: 'string' }, count: { type: 'integer' } },
      },
    },
    truncated: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'length'],
        additionalProperties: false,
        properties: { path: { type: 'string' }, length: { type: 'integer' } },
      },
    },
  },
} as const;

export const stepResultSchema = {
  type: 'object',
  required: [
    'seq',
    'stepId',
    'stepName',
    'skill',
    'executedSkill',
    'outcome',
    'branch',
    'nextStepId',
    'inputSnapshot',
    'outputSnapshot',
    'errorCode',
    'errorMessage',
    'attempts',
    'durationMs',
    'apiCalls',
    'sanitized',
    'startedAt',
  ],
  additionalProperties: false,
  properties: {
    seq: { type: 'integer' },
    stepId: { type: 'string' },
    stepName: { type: 'string' },
    skill: { type: 'string' },
    executedSkill: nullableString,
    outcome: { type: 'string', enum: ['succeeded', 'failed', 'skipped', 'fallback'] },
    branch: nullableString,
    nextStepId: nullableString,
    inputSnapshot: anyJson,
    outputSnapshot: anyJson,
    errorCode: nullableString,
    errorMessage: nullableString,
    attempts: { type: 'integer' },
    durationMs: { type: 'number' },
    apiCalls: { type: 'array', items: apiCallSchema },
    sanitized: sanitizeReportSchema,
    startedAt: nullableString,
  },
} as const;

export const runListSchema = {
  type: 'object',
  required: ['runs'],
  additionalProperties: false,
  properties: { runs: { type: 'array', items: runViewSchema } },
} as const;

export const runDetailSchema = {
  type: 'object',
  required: ['run', 'steps'],
  additionalProperties: false,
  properties: { run: runViewSchema, steps: { type: 'array', items: stepResultSchema } },
} as const;

export const missedTicksSchema = {
  type: 'object',
  required: ['missedTicks'],
  additionalProperties: false,
  properties: {
    missedTicks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['scheduledFor', 'policy', 'action', 'runId', 'detectedAt'],
        additionalProperties: false,
        properties: {
          scheduledFor: { type: 'string' },
          policy: { type: 'string', enum: [...MISSED_RUN_POLICIES] },
          action: { type: 'string', enum: ['skipped', 'caught_up', 'suspended'] },
          runId: nullableString,
          detectedAt: { type: 'string' },
        },
      },
    },
  },
} as const;

/** The document `GET /api/workflows/:id/export` downloads and `POST /api/workflows/import` takes back. */
export const exportDocumentSchema = {
  type: 'object',
  required: ['format', 'formatVersion', 'exportedAt', 'workflow', 'skills'],
  additionalProperties: false,
  properties: {
    format: { type: 'string', const: 'talon-workflow' },
    formatVersion: { type: 'integer', const: 1 },
    exportedAt: { type: 'string' },
    workflow: anyJson,
    skills: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'version'],
        additionalProperties: false,
        properties: { name: { type: 'string' }, version: nullableString },
      },
    },
  },
} as const;

/** A definition's problems go back as a list (JSON path + message) besides the usual error body. */
export const definitionErrorSchema = {
  ...errorBodySchema,
  properties: {
    ...errorBodySchema.properties,
    problems: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        additionalProperties: false,
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/** Every workflow route may answer 400 with a definition's problems (the plugin's error handler). */
export const workflowErrorResponses = { ...errorResponses, 400: definitionErrorSchema } as const;

/** The live-progress stream: server-sent events, written to the socket (workflow-events.ts). */
export const runEventsResponse = {
  200: {
    description: 'server-sent events: snapshot, step_started, step_finished, run_status',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  },
} as const;

export type DefinitionErrorBody = FromSchema<typeof definitionErrorSchema>;
/** `POST /api/workflows/:id/runs`: an input, a 2FA code where the workflow requires one, who triggered it. */
export type WorkflowTriggerRequest = FromSchema<typeof triggerBody>;
