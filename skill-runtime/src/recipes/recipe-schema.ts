import { RECIPE_LIMITS as L, RECIPE_ROLES, RECIPE_VERSION } from './recipe.ts';

/** Patterns shared by the schema and the recorder that names handles. */
export const RECIPE_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
export const RECIPE_HANDLE_PATTERN = '^[a-z][a-z0-9_]{0,63}$';
const DOMAIN_PATTERN = '^(\\*\\.)?[a-z0-9-]+(\\.[a-z0-9-]+)*(:\\d{1,5})?$';
const ADDRESS_PATTERN = '^[0-9a-fA-F:.]+(/\\d{1,3})?$';
export const RECIPE_KEY_PATTERN =
  '^((Control|Alt|Shift|Meta|ControlOrMeta)\\+){0,3}([A-Z][A-Za-z0-9]{0,20}|[a-z0-9])$';

const text = { type: 'string', minLength: 1, maxLength: L.maxTextChars } as const;
const anyText = { type: 'string', maxLength: L.maxTextChars } as const;
const url = { type: 'string', minLength: 1, maxLength: L.maxUrlChars } as const;
const page = { type: 'integer', minimum: 0, maximum: L.maxPages - 1 } as const;
const timeoutMs = { type: 'integer', minimum: L.minStepTimeoutMs, maximum: L.maxStepTimeoutMs } as const;
const viewportPx = { type: 'integer', minimum: L.minViewportPx, maximum: L.maxViewportPx } as const;

function object(required: readonly string[], properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required: [...required], properties };
}

/** One locator (a member of RecipeLocator); the recorder checks what a page reports against it. */
export const RECIPE_LOCATOR_SCHEMA = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  oneOf: [
    object(['kind', 'role', 'name'], {
      kind: { const: 'role' },
      role: { type: 'string', enum: [...RECIPE_ROLES] },
      name: anyText,
    }),
    object(['kind', 'label'], { kind: { const: 'label' }, label: text }),
    object(['kind', 'placeholder'], { kind: { const: 'placeholder' }, placeholder: text }),
    object(['kind', 'testId'], { kind: { const: 'testId' }, testId: text }),
    object(['kind', 'text'], { kind: { const: 'text' }, text }),
    object(['kind', 'selector'], { kind: { const: 'css' }, selector: text }),
  ],
};

const target = object(['page', 'frames', 'locators'], {
  page,
  frames: { type: 'array', maxItems: L.maxFrameDepth, items: text },
  locators: { type: 'array', minItems: 1, maxItems: L.maxLocatorsPerTarget, items: RECIPE_LOCATOR_SCHEMA },
});

const value = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    literal: anyText,
    secret: { type: 'string', pattern: RECIPE_HANDLE_PATTERN },
    parameter: { type: 'string', pattern: RECIPE_HANDLE_PATTERN },
  },
};

function step(type: string, required: readonly string[], properties: Record<string, unknown>) {
  return object(['type', ...required], {
    type: { const: type },
    description: anyText,
    timeoutMs,
    ...properties,
  });
}

const recipeStep = {
  type: 'object',
  discriminator: { propertyName: 'type' },
  oneOf: [
    step('navigate', ['url'], { url, page }),
    step('click', ['target'], { target }),
    step('fill', ['target', 'value'], { target, value }),
    step('select', ['target', 'values'], {
      target,
      values: { type: 'array', maxItems: L.maxSelectValues, items: anyText },
    }),
    step('check', ['target', 'checked'], { target, checked: { type: 'boolean' } }),
    step('press', ['key'], { target, key: { type: 'string', pattern: RECIPE_KEY_PATTERN } }),
    step('download', ['target'], { target }),
    step('wait', ['ms'], { ms: { type: 'integer', minimum: 0, maximum: L.maxWaitMs } }),
    step('scrape', ['name'], { name: { type: 'string', pattern: RECIPE_HANDLE_PATTERN }, target }),
    step('screenshot', ['name'], { name: { type: 'string', pattern: RECIPE_HANDLE_PATTERN } }),
  ],
};

/** JSON Schema of a recipe (the subset of draft 2020-12 that ajv checks, with its `discriminator`). */
export const RECIPE_SCHEMA = {
  $id: 'https://talon.local/schemas/recipe.json',
  ...object(
    [
      'version',
      'name',
      'startUrl',
      'viewport',
      'allowedDomains',
      'allowedPrivateAddresses',
      'stepTimeoutMs',
      'secrets',
      'parameters',
      'steps',
    ],
    {
      version: { const: RECIPE_VERSION },
      name: { type: 'string', pattern: RECIPE_NAME_PATTERN },
      description: anyText,
      startUrl: url,
      viewport: object(['width', 'height'], { width: viewportPx, height: viewportPx }),
      allowedDomains: {
        type: 'array',
        minItems: 1,
        maxItems: L.maxAllowlistEntries,
        uniqueItems: true,
        items: { type: 'string', pattern: DOMAIN_PATTERN },
      },
      allowedPrivateAddresses: {
        type: 'array',
        maxItems: L.maxAllowlistEntries,
        uniqueItems: true,
        items: { type: 'string', pattern: ADDRESS_PATTERN },
      },
      stepTimeoutMs: timeoutMs,
      secrets: {
        type: 'array',
        maxItems: L.maxSecrets,
        items: object(['handle'], {
          handle: { type: 'string', pattern: RECIPE_HANDLE_PATTERN },
          description: anyText,
        }),
      },
      parameters: {
        type: 'array',
        maxItems: L.maxParameters,
        items: object(['name'], {
          name: { type: 'string', pattern: RECIPE_HANDLE_PATTERN },
          description: anyText,
          default: anyText,
        }),
      },
      steps: { type: 'array', maxItems: L.maxSteps, items: recipeStep },
      recordedAt: { type: 'string', maxLength: 64 },
    },
  ),
} as const;
