import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { JsonValue } from '../contract.ts';
import { SkillApiError } from './api-error.ts';
import { requireArity, requireString } from './arguments.ts';
import type { HostFunction } from './call-context.ts';

export interface StorageLimits {
  maxKeyChars: number;
  maxValueBytes: number;
  maxTotalBytes: number;
  maxKeys: number;
}

export const DEFAULT_STORAGE_LIMITS: StorageLimits = {
  maxKeyChars: 200,
  maxValueBytes: 64 * 1024,
  maxTotalBytes: 1024 * 1024,
  maxKeys: 1000,
};

const valueRow = z.object({ value: z.unknown() });
const keyRow = z.object({ key: z.string() });
const usageRow = z.object({ bytes: z.number(), keys: z.number() });

/** `storage.*`: a per-skill key-value store in PostgreSQL (table skill_storage), size-capped. */
export function storageFunctions(
  pool: DatabasePool,
  limits: StorageLimits = DEFAULT_STORAGE_LIMITS,
): Record<'storage.get' | 'storage.set' | 'storage.delete' | 'storage.list', HostFunction> {
  const keyOf = (fn: string, value: unknown): string => {
    const key = requireString(fn, 'key', value, limits.maxKeyChars);
    if (key.length === 0) throw new SkillApiError('invalid_argument', `${fn}: key must not be empty`);
    return key;
  };
  return {
    'storage.get': async (context, args) => {
      requireArity('storage.get', args, 1);
      const key = keyOf('storage.get', args[0]);
      const row = await pool.maybeOne(
        sql.type(valueRow)`SELECT value FROM skill_storage WHERE skill = ${context.skill} AND key = ${key}`,
      );
      return row ? (row.value as JsonValue) : null;
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
      await pool.transaction(async (connection) => {
        // One writer per skill at a time, so two runs cannot both squeeze under the cap.
        await connection.query(
          sql.unsafe`SELECT pg_advisory_xact_lock(hashtext(${'skill_storage:' + context.skill}))`,
        );
        const usage = await connection.one(sql.type(usageRow)`
          SELECT COALESCE(SUM(bytes), 0)::int AS bytes, COUNT(*)::int AS keys
          FROM skill_storage WHERE skill = ${context.skill} AND key <> ${key}`);
        if (usage.bytes + bytes > limits.maxTotalBytes) {
          throw new SkillApiError(
            'too_large',
            `storage.set: this skill's storage is full (${limits.maxTotalBytes} bytes)`,
          );
        }
        if (usage.keys + 1 > limits.maxKeys) {
          throw new SkillApiError(
            'too_large',
            `storage.set: this skill may keep at most ${limits.maxKeys} keys`,
          );
        }
        await connection.query(sql.unsafe`
          INSERT INTO skill_storage (skill, key, value, bytes) VALUES (${context.skill}, ${key}, ${json}::jsonb, ${bytes})
          ON CONFLICT (skill, key) DO UPDATE SET value = EXCLUDED.value, bytes = EXCLUDED.bytes, updated_at = now()`);
      });
      return null;
    },
    'storage.delete': async (context, args) => {
      requireArity('storage.delete', args, 1);
      const key = keyOf('storage.delete', args[0]);
      const result = await pool.query(
        sql.unsafe`DELETE FROM skill_storage WHERE skill = ${context.skill} AND key = ${key}`,
      );
      return result.rowCount > 0;
    },
    'storage.list': async (context, args) => {
      requireArity('storage.list', args, 1);
      const prefix =
        args[0] === undefined || args[0] === null
          ? ''
          : requireString('storage.list', 'prefix', args[0], 200);
      const rows = await pool.any(sql.type(keyRow)`
        SELECT key FROM skill_storage
        WHERE skill = ${context.skill} AND starts_with(key, ${prefix}) ORDER BY key LIMIT ${limits.maxKeys}`);
      return rows.map((row) => row.key);
    },
  };
}
