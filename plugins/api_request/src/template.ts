import type { JsonObject, JsonValue } from '@talon/plugins-sdk/skill';

/** `{input}` and `{input.a.b}` in a template, filled from the step's input. */
const PLACEHOLDER = /\{input((?:\.[A-Za-z0-9_-]+)*)\}/g;

function valueAt(input: unknown, path: string): unknown {
  let current = input;
  for (const key of path.split('.').filter((part) => part !== '')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The template with every placeholder replaced; `encode` is applied to each value (URLs). */
export function fill(
  template: string,
  input: unknown,
  encode: (text: string) => string = (text) => text,
): string {
  return template.replace(PLACEHOLDER, (_, path: string) => encode(asText(valueAt(input, path))));
}

/** A JSON body with the placeholders of its strings filled (keys are left as they are). */
export function fillJson(value: JsonValue, input: unknown): JsonValue {
  if (typeof value === 'string') return fill(value, input);
  if (Array.isArray(value)) return value.map((item) => fillJson(item, input));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, fillJson(item, input)]),
    ) as JsonObject;
  }
  return value;
}
