/**
 * JSON schemas of /api/automations (the browser sidecar's recordings, recipes and replays): what
 * each route accepts and the exact fields it answers with. No imports with runtime code beyond
 * constants: the admin imports the derived types.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { errorResponses } from '../error-schema.ts';

const uuid = { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } as const;
const totpCode = { type: 'string', maxLength: 16 } as const;
const nullableString = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;
/** A recipe (skill-runtime/src/recipes/recipe.ts) as it is stored: sent as it is, checked by parseRecipe. */
const anyJson = {} as const;
const recipeName = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: uuid },
} as const;

export const runFileParams = {
  type: 'object',
  required: ['runId', 'kind', 'name'],
  additionalProperties: false,
  properties: {
    runId: uuid,
    kind: { type: 'string', enum: ['downloads', 'screenshots'] },
    name: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

export const liveQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ticket: { type: 'string', maxLength: 200 } },
} as const;

export const startRecordingBody = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048 },
    name: recipeName,
  },
} as const;

export const saveRecipeBody = {
  type: 'object',
  required: ['version', 'recipe'],
  additionalProperties: false,
  properties: {
    version: { type: 'integer', minimum: 1 },
    recipe: { type: 'object' },
    keepSession: { type: 'boolean' },
    totpCode,
  },
} as const;

export const importRecipeBody = {
  type: 'object',
  required: ['recipe'],
  additionalProperties: false,
  properties: { recipe: { type: 'object' } },
} as const;

export const approveRecipeBody = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: { version: { type: 'integer', minimum: 1 }, totpCode },
} as const;

export const replayBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    parameters: {
      type: 'object',
      maxProperties: 50,
      additionalProperties: { type: 'string', maxLength: 2000 },
    },
  },
} as const;

export const recordingViewSchema = {
  type: 'object',
  required: ['id', 'name', 'url', 'state', 'startedAt', 'display'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    url: { type: 'string' },
    state: { type: 'string', enum: ['starting', 'recording', 'stopping', 'stopped'] },
    startedAt: { type: 'string' },
    stoppedAt: { type: 'string' },
    stoppedBy: { type: 'string', enum: ['request', 'time_limit'] },
    display: {
      type: 'object',
      required: ['width', 'height'],
      additionalProperties: false,
      properties: { width: { type: 'integer' }, height: { type: 'integer' } },
    },
    /** The sidecar's own path of the live view (the admin never opens it: it asks for a ticket). */
    liveView: { type: 'string' },
  },
} as const;

const secretStatusSchema = {
  type: 'object',
  required: ['handle', 'description', 'settingKey', 'set'],
  additionalProperties: false,
  properties: {
    handle: { type: 'string' },
    description: nullableString,
    settingKey: { type: 'string' },
    set: { type: 'boolean' },
  },
} as const;

const keptFileSchema = {
  type: 'object',
  required: ['kind', 'name', 'bytes', 'sha256', 'step', 'reason', 'url'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: ['downloads', 'screenshots'] },
    name: { type: 'string' },
    bytes: { type: 'integer' },
    sha256: { type: 'string' },
    step: nullableInteger,
    reason: { type: ['string', 'null'], enum: ['failure', 'step', null] },
    url: { type: 'string' },
  },
} as const;

const replayErrorSchema = {
  type: ['object', 'null'],
  required: ['code', 'message', 'step'],
  additionalProperties: false,
  properties: { code: { type: 'string' }, message: { type: 'string' }, step: nullableInteger },
} as const;

const stepResultSchema = {
  type: 'object',
  required: ['index', 'type', 'status'],
  additionalProperties: false,
  properties: {
    index: { type: 'integer' },
    type: { type: 'string' },
    status: { type: 'string', enum: ['succeeded', 'failed', 'not_run'] },
    durationMs: { type: 'number' },
    locator: { type: 'string' },
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

const scrapedSchema = {
  type: 'object',
  required: ['step', 'name', 'headers', 'rows', 'truncated'],
  additionalProperties: false,
  properties: {
    step: { type: 'integer' },
    name: { type: 'string' },
    headers: { type: 'array', items: { type: 'string' } },
    rows: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
    truncated: { type: 'boolean' },
  },
} as const;

const blockedSchema = {
  type: 'object',
  required: ['url', 'reason'],
  additionalProperties: false,
  properties: { url: { type: 'string' }, reason: { type: 'string' } },
} as const;

export const replayReportSchema = {
  type: 'object',
  required: [
    'runId',
    'recipe',
    'status',
    'error',
    'durationMs',
    'steps',
    'downloads',
    'screenshots',
    'data',
    'blockedRequests',
    'notes',
  ],
  additionalProperties: false,
  properties: {
    runId: { type: 'string' },
    recipe: { type: 'string' },
    status: { type: 'string', enum: ['succeeded', 'failed'] },
    error: replayErrorSchema,
    durationMs: { type: 'number' },
    steps: { type: 'array', items: stepResultSchema },
    downloads: { type: 'array', items: keptFileSchema },
    screenshots: { type: 'array', items: keptFileSchema },
    data: { type: 'array', items: scrapedSchema },
    blockedRequests: { type: 'array', items: blockedSchema },
    notes: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** One replay as the recipe screen lists it. */
const runSummarySchema = {
  type: 'object',
  required: ['id', 'trigger', 'status', 'error', 'startedAt', 'finishedAt', 'files'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    trigger: { type: 'string', enum: ['admin', 'telegram', 'workflow'] },
    status: { type: 'string', enum: ['succeeded', 'failed'] },
    error: replayErrorSchema,
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    files: { type: 'array', items: keptFileSchema },
  },
} as const;

export const recipeSummarySchema = {
  type: 'object',
  required: ['id', 'name', 'status', 'version', 'steps', 'allowedDomains', 'updatedAt', 'lastRun'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['draft', 'ready'] },
    version: { type: 'integer' },
    steps: { type: 'integer' },
    allowedDomains: { type: 'array', items: { type: 'string' } },
    updatedAt: { type: 'string' },
    lastRun: { anyOf: [runSummarySchema, { type: 'null' }] },
  },
} as const;

export const recipeDetailSchema = {
  type: 'object',
  required: ['id', 'name', 'status', 'version', 'recipe', 'problems', 'keepSession', 'sessionKept', 'secrets', 'createdAt', 'updatedAt', 'reviewedAt', 'runs'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['draft', 'ready'] },
    version: { type: 'integer' },
    recipe: anyJson,
    problems: { type: 'array', items: { type: 'string' } },
    keepSession: { type: 'boolean' },
    /** A session (cookies) from an earlier replay is stored, encrypted. */
    sessionKept: { type: 'boolean' },
    secrets: { type: 'array', items: secretStatusSchema },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    reviewedAt: nullableString,
    runs: { type: 'array', items: runSummarySchema },
  },
} as const; // prettier-ignore

export const sidecarStatusSchema = {
  type: 'object',
  required: ['state', 'url', 'pid', 'restarts', 'lastError'],
  additionalProperties: false,
  properties: {
    state: {
      type: 'string',
      enum: ['off', 'external', 'other_node', 'starting', 'running', 'waiting_to_restart'],
    },
    url: nullableString,
    pid: nullableInteger,
    restarts: { type: 'integer' },
    lastError: nullableString,
  },
} as const;

export const automationsOverviewSchema = {
  type: 'object',
  required: ['enabled', 'sidecar', 'recordings', 'recordingsError', 'recipes'],
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    sidecar: sidecarStatusSchema,
    recordings: { type: 'array', items: recordingViewSchema },
    /** Why the recordings could not be listed (the sidecar down), or null. */
    recordingsError: nullableString,
    recipes: { type: 'array', items: recipeSummarySchema },
  },
} as const;

export const stoppedRecordingSchema = {
  type: 'object',
  required: ['recipe', 'notes'],
  additionalProperties: false,
  properties: { recipe: recipeDetailSchema, notes: { type: 'array', items: { type: 'string' } } },
} as const;

export const liveTicketSchema = {
  type: 'object',
  required: ['ticket', 'expiresAt', 'url'],
  additionalProperties: false,
  properties: {
    ticket: { type: 'string' },
    expiresAt: { type: 'string' },
    /** Where to open the WebSocket (same origin; `ws:` or `wss:` as the page). */
    url: { type: 'string' },
  },
} as const;

/** The bytes of a kept file (a download or a screenshot), sent as they are. */
export const fileBytesSchema = { type: 'string', description: 'the file bytes' } as const;

export const automationErrors = errorResponses;

export type RecordingViewBody = FromSchema<typeof recordingViewSchema>;
export type RecipeSummary = FromSchema<typeof recipeSummarySchema>;
export type RecipeDetail = FromSchema<typeof recipeDetailSchema>;
export type ReplayReportBody = FromSchema<typeof replayReportSchema>;
export type AutomationsOverview = FromSchema<typeof automationsOverviewSchema>;
export type StoppedRecordingBody = FromSchema<typeof stoppedRecordingSchema>;
export type LiveTicket = FromSchema<typeof liveTicketSchema>;
export type StartRecordingBody = FromSchema<typeof startRecordingBody>;
export type SaveRecipeBody = FromSchema<typeof saveRecipeBody>;
export type ImportRecipeBody = FromSchema<typeof importRecipeBody>;
export type ApproveRecipeBody = FromSchema<typeof approveRecipeBody>;
export type ReplayBody = FromSchema<typeof replayBody>;
