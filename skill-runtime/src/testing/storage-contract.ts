/**
 * The contract of `storage.*`, as one suite every backend must pass (memory here, PostgreSQL in the
 * core): a skill meets exactly the same rules under `talon-skill run`, the test harness and Talon.
 * Called from a test file with a factory for a fresh, empty backend.
 */
import { describe, expect, it } from 'vitest';
import { SkillApiError } from '../api/api-error.ts';
import type { ApiCallContext } from '../api/call-context.ts';
import { storageFunctions, type StorageBackend } from '../api/storage.ts';
import type { JsonValue } from '../contract/json.ts';
import type { StorageLimits } from '../limits.ts';

const LIMITS: StorageLimits = { maxKeyChars: 20, maxValueBytes: 100, maxTotalBytes: 250, maxKeys: 4 };

function as(skill: string): ApiCallContext {
  return { skill } as ApiCallContext;
}

async function failure(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    if (error instanceof SkillApiError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}

export function describeStorageContract(name: string, backend: () => Promise<StorageBackend>): void {
  describe(`storage.* on the ${name} backend`, () => {
    const open = async () => storageFunctions(await backend(), LIMITS);

    it('stores JSON values per key and answers null for a key never set', async () => {
      const fns = await open();
      const value: JsonValue = { nested: [1, 'two', null, { three: true }] };
      expect(await fns['storage.get'](as('a'), ['missing'])).toBeNull();
      await fns['storage.set'](as('a'), ['k', value]);
      expect(await fns['storage.get'](as('a'), ['k'])).toEqual(value);
      await fns['storage.set'](as('a'), ['k', 'replaced']);
      expect(await fns['storage.get'](as('a'), ['k'])).toBe('replaced');
    });

    it('gives each skill a space of its own', async () => {
      const fns = await open();
      await fns['storage.set'](as('a'), ['shared_name', 1]);
      expect(await fns['storage.get'](as('b'), ['shared_name'])).toBeNull();
      expect(await fns['storage.list'](as('b'), [null])).toEqual([]);
      expect(await fns['storage.delete'](as('b'), ['shared_name'])).toBe(false);
      expect(await fns['storage.get'](as('a'), ['shared_name'])).toBe(1);
    });

    it('deletes, saying whether there was something to delete', async () => {
      const fns = await open();
      await fns['storage.set'](as('a'), ['k', 1]);
      expect(await fns['storage.delete'](as('a'), ['k'])).toBe(true);
      expect(await fns['storage.delete'](as('a'), ['k'])).toBe(false);
      expect(await fns['storage.get'](as('a'), ['k'])).toBeNull();
    });

    it('lists keys by prefix, sorted by code point', async () => {
      const fns = await open();
      for (const key of ['feed:b', 'feed:a', 'Feed:c', 'other']) await fns['storage.set'](as('a'), [key, 0]);
      expect(await fns['storage.list'](as('a'), ['feed:'])).toEqual(['feed:a', 'feed:b']);
      expect(await fns['storage.list'](as('a'), [null])).toEqual(['Feed:c', 'feed:a', 'feed:b', 'other']);
    });

    it('refuses an empty key, a key too long, a missing value and a value too large', async () => {
      const fns = await open();
      expect(await failure(fns['storage.set'](as('a'), ['', 1]))).toMatchObject({ code: 'invalid_argument' });
      expect(await failure(fns['storage.get'](as('a'), ['k'.repeat(21)]))).toMatchObject({
        code: 'invalid_argument',
      });
      expect(await failure(fns['storage.set'](as('a'), ['k']))).toMatchObject({
        code: 'invalid_argument',
        message: 'storage.set: value is missing',
      });
      expect(await failure(fns['storage.set'](as('a'), ['k', 'x'.repeat(100)]))).toMatchObject({
        code: 'too_large',
        message: 'storage.set: a value may be at most 100 bytes',
      });
      expect(await fns['storage.list'](as('a'), [null])).toEqual([]);
    });

    it('caps the total bytes of a skill, counting a replaced value once', async () => {
      const fns = await open();
      await fns['storage.set'](as('a'), ['one', 'x'.repeat(90)]);
      await fns['storage.set'](as('a'), ['two', 'x'.repeat(90)]);
      // Replacing "two" with a value of the same size fits: its old bytes do not count twice.
      await fns['storage.set'](as('a'), ['two', 'y'.repeat(90)]);
      expect(await failure(fns['storage.set'](as('a'), ['three', 'x'.repeat(90)]))).toEqual({
        code: 'too_large',
        message: "storage.set: this skill's storage is full (250 bytes)",
      });
      expect(await fns['storage.get'](as('a'), ['three'])).toBeNull();
      // Another skill's space is not full.
      await fns['storage.set'](as('b'), ['three', 'x'.repeat(90)]);
    });

    it('caps the number of keys, while a key already there can still be replaced', async () => {
      const fns = await open();
      for (const key of ['k1', 'k2', 'k3', 'k4']) await fns['storage.set'](as('a'), [key, 1]);
      expect(await failure(fns['storage.set'](as('a'), ['k5', 1]))).toEqual({
        code: 'too_large',
        message: 'storage.set: this skill may keep at most 4 keys',
      });
      await fns['storage.set'](as('a'), ['k4', 2]);
      expect(await fns['storage.get'](as('a'), ['k4'])).toBe(2);
    });
  });
}
