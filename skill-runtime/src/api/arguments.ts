import type { JsonValue } from '../contract/runtime-contract.ts';
import { SkillApiError } from './api-error.ts';

/**
 * Checks of what a skill passes to the SkillAPI. Every message names the function and the argument,
 * so the skill author can act on it.
 */
export function isPlainObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireString(fn: string, name: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string')
    throw new SkillApiError('invalid_argument', `${fn}: ${name} must be a string`);
  if (value.length > maxLength) {
    throw new SkillApiError('invalid_argument', `${fn}: ${name} is longer than ${maxLength} characters`);
  }
  return value;
}

export function optionalObject(
  fn: string,
  name: string,
  value: unknown,
): { [key: string]: JsonValue } | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw new SkillApiError('invalid_argument', `${fn}: ${name} must be an object`);
  return value;
}

export function requireArity(fn: string, args: readonly unknown[], max: number): void {
  if (args.length > max) {
    throw new SkillApiError('invalid_argument', `${fn} takes at most ${max} argument${max === 1 ? '' : 's'}`);
  }
}
