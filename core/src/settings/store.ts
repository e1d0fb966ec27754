import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { isEncrypted, type SettingsCipher } from '../crypto/settings-cipher.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { SENSITIVE_KEYS, type SettingDefinition } from './definitions.ts';
import { looksSensitive } from '@talon/skill-runtime/contract/secret-setting-names.ts';
import { maskSecret } from './mask.ts';
import type { SettingView } from './setting-view.ts';
import {
  SETTING_TYPES,
  SettingValueError,
  parseSettingValue,
  serializeSettingValue,
  type SettingType,
  type SettingValue,
} from './value.ts';

const settingRow = z.object({
  key: z.string(),
  value: z.string(),
  type: z.enum(SETTING_TYPES),
  description: z.string(),
  category: z.string(),
  sensitive: z.boolean(),
  updated_at: z.number(),
});
type SettingRow = z.infer<typeof settingRow>;

export type { SettingView };

export interface SetOptions {
  type?: SettingType;
  category?: string;
  description?: string;
  sensitive?: boolean;
}

export interface SettingChange {
  key: string;
  /** The new typed value; undefined after a delete. Stays in process: never logged or sent. */
  value: SettingValue | undefined;
  sensitive: boolean;
}

interface CachedSetting {
  row: SettingRow;
  /** Plaintext as stored (decrypted for sensitive rows). */
  plaintext: string;
  typed: SettingValue | undefined;
}

const KEY_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

/** PostgreSQL channel on which nodes announce which key they changed (never the value). */
export const SETTINGS_CHANNEL = 'talon_settings';

export interface SettingsNotification {
  node: string;
  key: string;
}

/**
 * The runtime settings: rows in PostgreSQL, read from an in-memory cache loaded at start. Sensitive
 * values are encrypted before they reach the database and decrypted only into this cache.
 */
export class SettingsStore {
  readonly #pool: DatabasePool;
  readonly #cipher: SettingsCipher;
  readonly #logger: Logger;
  readonly #cache = new Map<string, CachedSetting>();
  readonly #unreadable = new Map<string, SettingRow>();
  readonly #events = new EventEmitter();
  /** Identifies this process's store in change notifications, so it ignores its own. */
  readonly nodeId: string = randomUUID();

  private constructor(pool: DatabasePool, cipher: SettingsCipher, logger: Logger) {
    this.#pool = pool;
    this.#cipher = cipher;
    this.#logger = logger;
  }

  static async load(pool: DatabasePool, cipher: SettingsCipher, logger: Logger): Promise<SettingsStore> {
    const store = new SettingsStore(pool, cipher, logger);
    await store.reload();
    return store;
  }

  /** Re-reads every row. A row that fails to decrypt is left out of the cache (never as ciphertext). */
  async reload(): Promise<void> {
    const rows = await this.#pool.any(
      sql.type(settingRow)`
        SELECT key, value, type, description, category, sensitive, updated_at FROM settings ORDER BY key`,
    );
    this.#cache.clear();
    this.#unreadable.clear();
    for (const row of rows) {
      try {
        this.#remember(row, row.sensitive ? this.#cipher.decrypt(row.value) : row.value);
      } catch (error) {
        this.#unreadable.set(row.key, row);
        this.#logger.error(
          { key: row.key, reason: errorMessage(error) },
          'a sensitive setting cannot be decrypted',
        );
      }
    }
  }

  #remember(row: SettingRow, plaintext: string): CachedSetting {
    const typed = parseSettingValue(row.type, plaintext);
    if (typed === undefined && plaintext !== '') {
      this.#logger.warn(
        { key: row.key, type: row.type },
        'a stored setting does not fit its type; ignoring it',
      );
    }
    const cached = { row, plaintext, typed };
    this.#cache.set(row.key, cached);
    return cached;
  }

  has(key: string): boolean {
    return this.#cache.has(key);
  }

  /** The typed value, or undefined when the key is missing or unreadable. */
  get(key: string): SettingValue | undefined {
    return this.#cache.get(key)?.typed;
  }

  getString(key: string, fallback = ''): string {
    const value = this.get(key);
    return typeof value === 'string' ? value : fallback;
  }

  getInteger(key: string, fallback: number): number {
    const value = this.get(key);
    return typeof value === 'number' && Number.isInteger(value) ? value : fallback;
  }

  getNumber(key: string, fallback: number): number {
    const value = this.get(key);
    return typeof value === 'number' ? value : fallback;
  }

  getBoolean(key: string, fallback: boolean): boolean {
    const value = this.get(key);
    return typeof value === 'boolean' ? value : fallback;
  }

  getJson<T extends SettingValue>(key: string, fallback: T): T | SettingValue {
    return this.get(key) ?? fallback;
  }

  isSensitive(key: string): boolean {
    const row = this.#cache.get(key)?.row ?? this.#unreadable.get(key);
    return SENSITIVE_KEYS.has(key) || row?.sensitive === true;
  }

  /** Subscribe to changes (set or delete); returns the function that unsubscribes. */
  onChange(listener: (change: SettingChange) => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }

  #emit(change: SettingChange): void {
    for (const listener of this.#events.listeners('change') as ((change: SettingChange) => void)[]) {
      try {
        listener(change);
      } catch (error) {
        this.#logger.error({ key: change.key, reason: errorMessage(error) }, 'a settings listener failed');
      }
    }
  }

  /**
   * Creates or updates a setting. Type, category and sensitivity default to the existing row's,
   * and known credential keys are always sensitive. Sensitive values are encrypted before the write.
   */
  async set(key: string, value: SettingValue, options: SetOptions = {}): Promise<void> {
    if (!KEY_PATTERN.test(key)) {
      throw new SettingValueError(`Setting key "${key}" must be lower-case words separated by dots`);
    }
    const existing = this.#cache.get(key)?.row ?? this.#unreadable.get(key);
    const type = options.type ?? existing?.type ?? 'string';
    const sensitive =
      SENSITIVE_KEYS.has(key) || (options.sensitive ?? existing?.sensitive ?? looksSensitive(key));
    const plaintext = serializeSettingValue(key, type, value);
    const stored = sensitive ? this.#cipher.encrypt(plaintext) : plaintext;
    const row = await this.#pool.one(sql.type(settingRow)`
      INSERT INTO settings (key, value, type, description, category, sensitive)
      VALUES (${key}, ${stored}, ${type}, ${options.description ?? existing?.description ?? ''},
              ${options.category ?? existing?.category ?? 'general'}, ${sensitive})
      ON CONFLICT (key) DO UPDATE SET
        value = EXCLUDED.value, type = EXCLUDED.type, description = EXCLUDED.description,
        category = EXCLUDED.category, sensitive = EXCLUDED.sensitive, updated_at = now()
      RETURNING key, value, type, description, category, sensitive, updated_at`);
    this.#unreadable.delete(key);
    const cached = this.#remember(row, plaintext);
    this.#emit({ key, value: cached.typed, sensitive });
    await this.#announce(key);
  }

  /** Tells other nodes on the same database which key changed; they re-read it themselves. */
  async #announce(key: string): Promise<void> {
    const payload = JSON.stringify({ node: this.nodeId, key } satisfies SettingsNotification);
    await this.#pool.query(sql.unsafe`SELECT pg_notify(${SETTINGS_CHANNEL}, ${payload})`);
  }

  /** Re-reads one key after another node changed it, and tells this node's subscribers. */
  async refreshKey(key: string): Promise<void> {
    const row = await this.#pool.maybeOne(sql.type(settingRow)`
      SELECT key, value, type, description, category, sensitive, updated_at FROM settings WHERE key = ${key}`);
    if (row === null) {
      const sensitive = this.isSensitive(key);
      if (this.#cache.delete(key) || this.#unreadable.delete(key))
        this.#emit({ key, value: undefined, sensitive });
      return;
    }
    try {
      const cached = this.#remember(row, row.sensitive ? this.#cipher.decrypt(row.value) : row.value);
      this.#unreadable.delete(key);
      this.#emit({ key, value: cached.typed, sensitive: row.sensitive });
    } catch (error) {
      this.#cache.delete(key);
      this.#unreadable.set(key, row);
      this.#logger.error({ key, reason: errorMessage(error) }, 'a sensitive setting cannot be decrypted');
    }
  }

  /** Removes a setting; deleting a missing key is not an error. */
  async delete(key: string): Promise<void> {
    await this.#pool.query(sql.unsafe`DELETE FROM settings WHERE key = ${key}`);
    const sensitive = this.isSensitive(key);
    const existed = this.#cache.delete(key) || this.#unreadable.delete(key);
    if (existed) this.#emit({ key, value: undefined, sensitive });
    await this.#announce(key);
  }

  /** Every setting for display: sensitive values masked, unreadable ones flagged. */
  list(): SettingView[] {
    const views: SettingView[] = [];
    for (const { row, plaintext } of this.#cache.values()) {
      views.push(this.#view(row, plaintext, false));
    }
    for (const row of this.#unreadable.values()) views.push(this.#view(row, '', true));
    return views.sort((a, b) => a.key.localeCompare(b.key));
  }

  view(key: string): SettingView | undefined {
    const cached = this.#cache.get(key);
    if (cached) return this.#view(cached.row, cached.plaintext, false);
    const unreadable = this.#unreadable.get(key);
    return unreadable ? this.#view(unreadable, '', true) : undefined;
  }

  #view(row: SettingRow, plaintext: string, unreadable: boolean): SettingView {
    const sensitive = row.sensitive || SENSITIVE_KEYS.has(row.key) || looksSensitive(row.key);
    return {
      key: row.key,
      value: sensitive ? maskSecret(plaintext) : plaintext,
      type: row.type,
      description: row.description,
      category: row.category,
      sensitive,
      hasValue: unreadable || plaintext !== '',
      unreadable,
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  /**
   * First-boot seeding: creates missing keys only (defaults, overridden by environment seeds);
   * an existing row is never overwritten, so later edits survive restarts.
   */
  async seed(
    definitions: readonly SettingDefinition[],
    seeds: Readonly<Record<string, string>>,
  ): Promise<string[]> {
    const created: string[] = [];
    for (const definition of definitions) {
      const raw = seeds[definition.key] ?? definition.defaultValue;
      const plaintext = serializeSettingValue(definition.key, definition.type, raw);
      const stored = definition.sensitive ? this.#cipher.encrypt(plaintext) : plaintext;
      const inserted = await this.#pool.maybeOne(sql.type(settingRow)`
        INSERT INTO settings (key, value, type, description, category, sensitive)
        VALUES (${definition.key}, ${stored}, ${definition.type}, ${definition.description},
                ${definition.category}, ${definition.sensitive})
        ON CONFLICT (key) DO NOTHING
        RETURNING key, value, type, description, category, sensitive, updated_at`);
      if (inserted) {
        this.#remember(inserted, plaintext);
        created.push(definition.key);
      }
    }
    for (const key of SENSITIVE_KEYS) {
      await this.#pool.query(
        sql.unsafe`UPDATE settings SET sensitive = true WHERE key = ${key} AND NOT sensitive`,
      );
    }
    return created;
  }

  /**
   * Encrypts in place every sensitive row still holding plaintext (written before it was flagged,
   * or by hand). Idempotent; returns the keys it encrypted.
   */
  async encryptPlaintextSensitive(): Promise<string[]> {
    const rows = await this.#pool.any(sql.type(settingRow)`
      SELECT key, value, type, description, category, sensitive, updated_at
      FROM settings WHERE sensitive AND value <> '' AND value NOT LIKE 'enc:%'`);
    const encrypted: string[] = [];
    for (const row of rows) {
      if (isEncrypted(row.value)) continue;
      await this.#pool.query(sql.unsafe`
        UPDATE settings SET value = ${this.#cipher.encrypt(row.value)}, updated_at = now()
        WHERE key = ${row.key} AND value = ${row.value}`);
      encrypted.push(row.key);
      this.#logger.info({ key: row.key }, 'encrypted a plaintext sensitive setting in place');
    }
    if (encrypted.length > 0) await this.reload();
    return encrypted;
  }
}
