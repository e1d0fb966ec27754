import type { JsonValue } from '../contract/json.ts';
import { STORAGE_LIMITS, type StorageLimits } from '../limits.ts';
import { SkillApiError } from './api-error.ts';
import { requireArity, requireString } from './arguments.ts';
import type { HostFunction } from './call-context.ts';

/**
 * Where `storage.*` keeps a skill's values: PostgreSQL in Talon, memory under `talon-skill run`
 * and the test harness. Both pass the one contract suite (`storage-contract.ts`), so a skill
 * meets the same rules in either. Keys and value sizes are checked before a backend is asked;
 * the backend enforces the totals atomically (two runs must not both squeeze under a cap).
 */
export interface StorageBackend {
  get(skill: string, key: string): Promise<JsonValue | null>;
  /** Stores `json` (already serialised, `bytes` long); throws SkillApiError `too_large` past a total. */
  set(skill: string, key: string, json: string, bytes: number, limits: StorageLimits): Promise<void>;
  delete(skill: string, key: string): Promise<boolean>;
  /** Keys starting with `prefix`, sorted, at most `limit`. */
  list(skill: string, prefix: string, limit: number): Promise<string[]>;
}

export type StorageFunctionName = 'storage.get' | 'storage.set' | 'storage.delete' | 'storage.list';

/** The errors a backend throws when a total would be exceeded, worded once for both backends. */
export const storageFull = (limits: StorageLimits): SkillApiError =>
  new SkillApiError('too_large', `storage.set: this skill's storage is full (${limits.maxTotalBytes} bytes)`);
export const storageTooManyKeys = (limits: StorageLimits): SkillApiError =>
  new SkillApiError('too_large', `storage.set: this skill may keep at most ${limits.maxKeys} keys`);

/** `storage.*`: a per-skill key-value store, size-capped, over whichever backend the host gives. */
export function storageFunctions(
  backend: StorageBackend,
  limits: StorageLimits = STORAGE_LIMITS,
): Record<StorageFunctionName, HostFunction> {
  const keyOf = (fn: string, value: unknown): string => {
    const key = requireString(fn, 'key', value, limits.maxKeyChars);
    if (key.length === 0) throw new SkillApiError('invalid_argument', `${fn}: key must not be empty`);
    return key;
  };
  return {
    'storage.get': async (context, args) => {
      requireArity('storage.get', args, 1);
      return backend.get(context.skill, keyOf('storage.get', args[0]));
    },
    'storage.set': async (context, args) => {
      requireArity('storage.set', args, 2);
      const key = keyOf('storage.set', args[0]);
      if (args[1] === undefined) throw new SkillApiError('invalid_argument', 'storage.set: value is missing');
      const json = JSON.stringify(args[1]);
      const bytes = Buffer.byteLength(json);
      if (bytes > limits.maxValueBytes) {
        throw new SkillApiError(
          'too_large',
          `storage.set: a value may be at most ${limits.maxValueBytes} bytes`,
        );
      }
      await backend.set(context.skill, key, json, bytes, limits);
      return null;
    },
    'storage.delete': async (context, args) => {
      requireArity('storage.delete', args, 1);
      return backend.delete(context.skill, keyOf('storage.delete', args[0]));
    },
    'storage.list': async (context, args) => {
      requireArity('storage.list', args, 1);
      const prefix =
        args[0] === undefined || args[0] === null
          ? ''
          : requireString('storage.list', 'prefix', args[0], limits.maxKeyChars);
      return backend.list(context.skill, prefix, limits.maxKeys);
    },
  };
}
