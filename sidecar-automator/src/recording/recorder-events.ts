import { Ajv } from 'ajv';
import {
  RECIPE_KEY_PATTERN,
  RECIPE_LIMITS,
  RECIPE_LOCATOR_SCHEMA,
  type RecipeLocator,
} from '@talon/skill-runtime/recipes/index.ts';

/** Where an event happened, as the page script describes the element. */
export interface PageTarget {
  locators: RecipeLocator[];
  description: string;
}

/** What the page script (recorder-page-script.js) reports. Pages are untrusted: every event is checked. */
export type PageEvent =
  | { kind: 'click'; target: PageTarget }
  | { kind: 'fill'; target: PageTarget; value: string; secret?: undefined }
  | { kind: 'fill'; target: PageTarget; secret: true; hint: string }
  | { kind: 'select'; target: PageTarget; values: string[] }
  | { kind: 'check'; target: PageTarget; checked: boolean }
  | { kind: 'press'; key: string; target?: PageTarget }
  | { kind: 'note'; message: string };

const text = { type: 'string', maxLength: RECIPE_LIMITS.maxTextChars } as const;
const target = {
  type: 'object',
  additionalProperties: false,
  required: ['locators', 'description'],
  properties: {
    locators: {
      type: 'array',
      minItems: 1,
      maxItems: RECIPE_LIMITS.maxLocatorsPerTarget,
      items: RECIPE_LOCATOR_SCHEMA,
    },
    description: text,
  },
};
const at = { type: 'number' };

function event(kind: string, required: string[], properties: Record<string, unknown>) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['kind', ...required],
    properties: { kind: { const: kind }, at, ...properties },
  };
}

const PAGE_EVENT_SCHEMA = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  oneOf: [
    event('click', ['target'], { target }),
    event('fill', ['target'], { target, value: text, secret: { type: 'boolean' }, hint: text }),
    event('select', ['target', 'values'], {
      target,
      values: { type: 'array', maxItems: RECIPE_LIMITS.maxSelectValues, items: text },
    }),
    event('check', ['target', 'checked'], { target, checked: { type: 'boolean' } }),
    event('press', ['key'], { key: { type: 'string', pattern: RECIPE_KEY_PATTERN }, target }),
    event('note', ['message'], { message: { type: 'string', maxLength: 500 } }),
  ],
};

const validate = new Ajv({ strict: true, discriminator: true }).compile(PAGE_EVENT_SCHEMA);

/** The event, or undefined when it is not one the page script sends (a page forging calls, say). */
export function parsePageEvent(payload: unknown): PageEvent | undefined {
  if (!validate(payload)) return undefined;
  const candidate = payload as PageEvent & { secret?: boolean; value?: string; hint?: string };
  if (candidate.kind === 'fill') {
    if (candidate.secret === true) {
      return typeof candidate.hint === 'string' && candidate.value === undefined ? candidate : undefined;
    }
    return typeof candidate.value === 'string' ? candidate : undefined;
  }
  return candidate;
}
