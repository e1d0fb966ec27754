import type { JsonValue } from '../contract/json.ts';
import type { StorageLimits } from '../limits.ts';
import { storageFull, storageTooManyKeys, type StorageBackend } from './storage.ts';

/** A deep copy, as a value read back from a database would be. */
const copy = (value: JsonValue): JsonValue => JSON.parse(JSON.stringify(value)) as JsonValue;

/**
 * `storage.*` kept in memory (`talon-skill run`, the test harness): one space per skill, the same
 * caps as Talon's PostgreSQL backend (both pass `storage-contract.ts`).
 */
export class MemoryStorage implements StorageBackend {
  readonly #spaces = new Map<string, Map<string, JsonValue>>();

  /** The values of one skill: a test harness seeds and inspects them here. */
  space(skill: string): Map<string, JsonValue> {
    let values = this.#spaces.get(skill);
    if (!values) this.#spaces.set(skill, (values = new Map()));
    return values;
  }

  async get(skill: string, key: string): Promise<JsonValue | null> {
    const value = this.#spaces.get(skill)?.get(key);
    return value === undefined ? null : copy(value);
  }

  async set(skill: string, key: string, json: string, bytes: number, limits: StorageLimits): Promise<void> {
    const values = this.space(skill);
    let total = bytes;
    for (const [other, value] of values) {
      if (other !== key) total += Buffer.byteLength(JSON.stringify(value));
    }
    if (total > limits.maxTotalBytes) throw storageFull(limits);
    if (!values.has(key) && values.size + 1 > limits.maxKeys) throw storageTooManyKeys(limits);
    values.set(key, JSON.parse(json) as JsonValue);
  }

  async delete(skill: string, key: string): Promise<boolean> {
    return this.#spaces.get(skill)?.delete(key) ?? false;
  }

  async list(skill: string, prefix: string, limit: number): Promise<string[]> {
    const keys = [...(this.#spaces.get(skill)?.keys() ?? [])].filter((key) => key.startsWith(prefix));
    return keys.sort().slice(0, limit);
  }
}
