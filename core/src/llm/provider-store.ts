import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { maskSecret } from '../settings/mask.ts';
import type { SettingsStore } from '../settings/store.ts';
import { DEFAULT_BASE_URLS } from './clients/provider-client.ts';
import { LlmError } from './errors.ts';
import { checkBaseUrl } from './provider-url.ts';
import {
  LLM_LOCALITIES,
  LLM_PROVIDER_KINDS,
  LLM_TIERS,
  PROVIDER_ID_PATTERN,
  type LlmLocality,
  type LlmProviderKind,
  type LlmProviderView,
  type LlmTier,
} from './wire-types.ts';

/** A provider as the router uses it (the key stays in its setting until the moment of a call). */
export interface LlmProvider {
  id: string;
  name: string;
  kind: LlmProviderKind;
  baseUrl: string;
  model: string;
  tier: LlmTier;
  priority: number;
  locality: LlmLocality;
  enabled: boolean;
  keySetting: string | null;
  createdAt: number;
  updatedAt: number;
}

/** What the admin sends to create a provider; `apiKey` is written to the provider's key setting. */
export interface NewProvider {
  id: string;
  name: string;
  kind: LlmProviderKind;
  /** Empty or missing: the kind's public endpoint. */
  baseUrl?: string | undefined;
  model: string;
  tier: LlmTier;
  priority?: number | undefined;
  locality: LlmLocality;
  enabled?: boolean | undefined;
  apiKey?: string | undefined;
}

/** A change; `apiKey: ''` keeps the stored key, `clearKey` removes it. */
export type ProviderChange = Partial<Omit<NewProvider, 'id' | 'kind'>> & { clearKey?: boolean | undefined };

export { PROVIDER_ID_PATTERN };

const providerRow = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(LLM_PROVIDER_KINDS),
  base_url: z.string(),
  model: z.string(),
  tier: z.enum(LLM_TIERS),
  priority: z.number(),
  locality: z.enum(LLM_LOCALITIES),
  enabled: z.boolean(),
  key_setting: z.string().nullable(),
  created_at: z.number(),
  updated_at: z.number(),
});

const SELECT_PROVIDER = sql.fragment`
  SELECT id, name, kind, base_url, model, tier, priority, locality, enabled, key_setting, created_at, updated_at
  FROM llm_providers`;

function toProvider(row: z.infer<typeof providerRow>): LlmProvider {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    baseUrl: row.base_url,
    model: row.model,
    tier: row.tier,
    priority: row.priority,
    locality: row.locality,
    enabled: row.enabled,
    keySetting: row.key_setting,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The sensitive setting that holds the key of a provider added in the admin. */
export function keySettingFor(id: string): string {
  return `llm.provider.${id}.api_key`;
}

function checkTierAndLocality(tier: LlmTier, locality: LlmLocality): void {
  if (tier === 'local' && locality !== 'local') {
    throw new LlmError(
      'llm_provider_invalid',
      'The local tier is for providers on your own machines: mark the provider local, or pick another tier',
    );
  }
}

function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  while (current instanceof Error) {
    if ((current as { code?: unknown }).code === '23505') return true;
    current = current.cause;
  }
  return false;
}

/**
 * LLM providers in PostgreSQL, read on every call (a change on any node applies at once). Each key
 * lives in a sensitive setting, so it is encrypted like every other secret and never leaves the host.
 */
export class ProviderStore {
  readonly #pool: DatabasePool;
  readonly #settings: SettingsStore;

  constructor(pool: DatabasePool, settings: SettingsStore) {
    this.#pool = pool;
    this.#settings = settings;
  }

  /** Every provider, in routing order within each tier (priority, then id). */
  async list(): Promise<LlmProvider[]> {
    const rows = await this.#pool.any(sql.type(providerRow)`${SELECT_PROVIDER} ORDER BY priority, id`);
    return rows.map(toProvider);
  }

  async find(id: string): Promise<LlmProvider | undefined> {
    const row = await this.#pool.maybeOne(sql.type(providerRow)`${SELECT_PROVIDER} WHERE id = ${id}`);
    return row ? toProvider(row) : undefined;
  }

  async get(id: string): Promise<LlmProvider> {
    const provider = await this.find(id);
    if (!provider) throw new LlmError('llm_provider_not_found', `There is no LLM provider "${id}"`);
    return provider;
  }

  /** The provider's key, decrypted ('' when none is stored). Host only: never sent anywhere but the provider. */
  apiKey(provider: LlmProvider): string {
    return provider.keySetting === null ? '' : this.#settings.getString(provider.keySetting);
  }

  view(provider: LlmProvider): LlmProviderView {
    const key = this.apiKey(provider);
    return {
      id: provider.id,
      name: provider.name,
      kind: provider.kind,
      baseUrl: provider.baseUrl,
      model: provider.model,
      tier: provider.tier,
      priority: provider.priority,
      locality: provider.locality,
      enabled: provider.enabled,
      hasKey: key !== '',
      maskedKey: maskSecret(key),
      keySetting: provider.keySetting,
      createdAt: new Date(provider.createdAt).toISOString(),
      updatedAt: new Date(provider.updatedAt).toISOString(),
    };
  }

  /** What `create` would refuse, checked first (so a typo never spends a 2FA code); answers the base URL. */
  checkNew(input: NewProvider): string {
    if (!new RegExp(PROVIDER_ID_PATTERN).test(input.id)) {
      throw new LlmError(
        'llm_provider_invalid',
        'A provider id is 1–40 lower-case letters, digits or underscores, starting with a letter',
      );
    }
    checkTierAndLocality(input.tier, input.locality);
    return checkBaseUrl(input.baseUrl?.trim() || DEFAULT_BASE_URLS[input.kind]);
  }

  /** What `update` would refuse, checked first; answers the base URL the provider would have. */
  checkChange(current: LlmProvider, change: ProviderChange): string {
    checkTierAndLocality(change.tier ?? current.tier, change.locality ?? current.locality);
    return change.baseUrl === undefined
      ? current.baseUrl
      : checkBaseUrl(change.baseUrl.trim() || DEFAULT_BASE_URLS[current.kind]);
  }

  /** Adds a provider; `keySetting` names an existing setting (first-boot seeds), otherwise one is made. */
  async create(input: NewProvider, keySetting: string = keySettingFor(input.id)): Promise<LlmProvider> {
    const baseUrl = this.checkNew(input);
    try {
      await this.#pool.query(sql.unsafe`
        INSERT INTO llm_providers (id, name, kind, base_url, model, tier, priority, locality, enabled, key_setting)
        VALUES (${input.id}, ${input.name}, ${input.kind}, ${baseUrl}, ${input.model}, ${input.tier},
                ${input.priority ?? 0}, ${input.locality}, ${input.enabled ?? true}, ${keySetting})`);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new LlmError('llm_provider_invalid', `There is already a provider "${input.id}"`);
      }
      throw error;
    }
    if (input.apiKey !== undefined && input.apiKey !== '')
      await this.#writeKey(keySetting, input.apiKey, input.name);
    return this.get(input.id);
  }

  async update(id: string, change: ProviderChange): Promise<LlmProvider> {
    const current = await this.get(id);
    const baseUrl = this.checkChange(current, change);
    const tier = change.tier ?? current.tier;
    const locality = change.locality ?? current.locality;
    const keySetting = current.keySetting ?? keySettingFor(id);
    await this.#pool.query(sql.unsafe`
      UPDATE llm_providers SET name = ${change.name ?? current.name}, base_url = ${baseUrl},
        model = ${change.model ?? current.model}, tier = ${tier}, priority = ${change.priority ?? current.priority},
        locality = ${locality}, enabled = ${change.enabled ?? current.enabled}, key_setting = ${keySetting},
        updated_at = now()
      WHERE id = ${id}`);
    if (change.clearKey === true) await this.#settings.set(keySetting, '', { sensitive: true });
    else if (change.apiKey !== undefined && change.apiKey !== '') {
      await this.#writeKey(keySetting, change.apiKey, change.name ?? current.name);
    }
    return this.get(id);
  }

  /** Removes the provider and its key (usage history stays, under its id). */
  async delete(id: string): Promise<void> {
    const provider = await this.get(id);
    await this.#pool.query(sql.unsafe`DELETE FROM llm_providers WHERE id = ${id}`);
    if (provider.keySetting === null) return;
    // A key of the provider's own goes; a seeded setting (llm.anthropic_api_key...) is only emptied.
    if (provider.keySetting === keySettingFor(id)) await this.#settings.delete(provider.keySetting);
    else if (this.#settings.has(provider.keySetting)) await this.#settings.set(provider.keySetting, '');
  }

  async #writeKey(keySetting: string, apiKey: string, name: string): Promise<void> {
    // A seeded setting (llm.anthropic_api_key...) keeps its own description.
    const description = this.#settings.has(keySetting)
      ? {}
      : { description: `API key of the LLM provider ${name}` };
    await this.#settings.set(keySetting, apiKey, {
      type: 'string',
      sensitive: true,
      category: 'llm',
      ...description,
    });
  }
}
