import type { FastifyInstance } from 'fastify';
import { parseRecipe, RecipeError, RECIPE_HANDLE_PATTERN } from '@talon/skill-runtime/recipes/index.ts';
import { SidecarError } from '../../errors.ts';
import { FIXED_LIMITS } from '../../limits.ts';
import type { Replays } from '../../replay/replays.ts';
import type { StorageState } from '../../replay/replay-request.ts';

const text = { type: 'string', maxLength: 16_384 } as const;
const namedValues = {
  type: 'object',
  maxProperties: 100,
  propertyNames: { pattern: RECIPE_HANDLE_PATTERN },
  additionalProperties: text,
} as const;

/** Cookies and local storage exactly as Playwright's storageState() writes them. */
const STORAGE_STATE = {
  type: 'object',
  additionalProperties: false,
  required: ['cookies', 'origins'],
  properties: {
    cookies: {
      type: 'array',
      maxItems: 2_000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'value', 'domain', 'path', 'expires', 'httpOnly', 'secure', 'sameSite'],
        properties: {
          name: text,
          value: text,
          domain: text,
          path: text,
          expires: { type: 'number' },
          httpOnly: { type: 'boolean' },
          secure: { type: 'boolean' },
          sameSite: { type: 'string', enum: ['Strict', 'Lax', 'None'] },
        },
      },
    },
    origins: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['origin', 'localStorage'],
        properties: {
          origin: text,
          localStorage: {
            type: 'array',
            maxItems: 1_000,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'value'],
              properties: { name: text, value: { type: 'string', maxLength: 1_000_000 } },
            },
          },
        },
      },
    },
  },
} as const;

const REPLAY_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['recipe'],
  properties: {
    recipe: { type: 'object' },
    secrets: namedValues,
    parameters: namedValues,
    storageState: STORAGE_STATE,
    returnStorageState: { type: 'boolean' },
    timeoutMs: { type: 'integer', minimum: 1_000 },
  },
} as const;

interface ReplayBody {
  recipe: unknown;
  secrets?: Record<string, string>;
  parameters?: Record<string, string>;
  storageState?: StorageState;
  returnStorageState?: boolean;
  timeoutMs?: number;
}

/** POST /replays: runs a recipe headless and answers when it is done (the caller's HTTP timeout must allow it). */
export function replayRoutes(app: FastifyInstance, replays: Replays): void {
  app.post<{ Body: ReplayBody }>('/replays', { schema: { body: REPLAY_BODY } }, async (request, reply) => {
    let recipe;
    try {
      recipe = parseRecipe(request.body.recipe);
    } catch (error) {
      if (error instanceof RecipeError) throw new SidecarError(error.code, error.message, 400);
      throw error;
    }
    // A caller that goes away cancels its replay: nobody would read the result.
    const cancel = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) cancel.abort();
    });
    return replays.run(
      {
        recipe,
        secrets: request.body.secrets ?? {},
        parameters: request.body.parameters ?? {},
        ...(request.body.storageState ? { storageState: request.body.storageState } : {}),
        returnStorageState: request.body.returnStorageState ?? false,
        timeoutMs: request.body.timeoutMs ?? FIXED_LIMITS.defaultReplayMs,
      },
      cancel.signal,
    );
  });
}
