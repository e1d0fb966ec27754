import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { StorageLimits } from '@talon/skill-runtime/limits.ts';
import { storageFull, storageTooManyKeys, type StorageBackend } from '@talon/skill-runtime/api/storage.ts';

const valueRow = z.object({ value: z.unknown() });
const keyRow = z.object({ key: z.string() });
const usageRow = z.object({ bytes: z.number(), keys: z.number() });

/** Skills' `storage.*` in PostgreSQL (table skill_storage), one row per skill and key. */
export class PostgresStorage implements StorageBackend {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  async get(skill: string, key: string): Promise<JsonValue | null> {
    const row = await this.#pool.maybeOne(
      sql.type(valueRow)`SELECT value FROM skill_storage WHERE skill = ${skill} AND key = ${key}`,
    );
    return row ? (row.value as JsonValue) : null;
  }

  async set(skill: string, key: string, json: string, bytes: number, limits: StorageLimits): Promise<void> {
    await this.#pool.transaction(async (connection) => {
      // One writer per skill at a time, so two runs cannot both squeeze under the cap.
      await connection.query(sql.unsafe`SELECT pg_advisory_xact_lock(hashtext(${'skill_storage:' + skill}))`);
      const usage = await connection.one(sql.type(usageRow)`
        SELECT COALESCE(SUM(bytes), 0)::int AS bytes, COUNT(*)::int AS keys
        FROM skill_storage WHERE skill = ${skill} AND key <> ${key}`);
      if (usage.bytes + bytes > limits.maxTotalBytes) throw storageFull(limits);
      if (usage.keys + 1 > limits.maxKeys) throw storageTooManyKeys(limits);
      await connection.query(sql.unsafe`
        INSERT INTO skill_storage (skill, key, value, bytes) VALUES (${skill}, ${key}, ${json}::jsonb, ${bytes})
        ON CONFLICT (skill, key) DO UPDATE SET value = EXCLUDED.value, bytes = EXCLUDED.bytes, updated_at = now()`);
    });
  }

  async delete(skill: string, key: string): Promise<boolean> {
    const result = await this.#pool.query(
      sql.unsafe`DELETE FROM skill_storage WHERE skill = ${skill} AND key = ${key}`,
    );
    return result.rowCount > 0;
  }

  async list(skill: string, prefix: string, limit: number): Promise<string[]> {
    const rows = await this.#pool.any(sql.type(keyRow)`
      SELECT key FROM skill_storage
      WHERE skill = ${skill} AND starts_with(key, ${prefix}) ORDER BY key COLLATE "C" LIMIT ${limit}`);
    return rows.map((row) => row.key);
  }
}
