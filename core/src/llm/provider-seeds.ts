import { sql, type DatabasePool } from 'slonik';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { DEFAULT_BASE_URLS } from './clients/provider-client.ts';
import { OPENAI_API_KEY_SETTING } from './limits.ts';
import type { NewProvider, ProviderStore } from './provider-store.ts';
import { checkBaseUrl, isOwnNetworkHost } from './provider-url.ts';

/** Seed keys (config.seeds) for the OpenAI-compatible provider's address and model, from OPENAI_BASE_URL / OPENAI_MODEL. */
export const OPENAI_BASE_URL_SEED = 'llm.openai_base_url';
export const OPENAI_MODEL_SEED = 'llm.openai_model';

/** Models a seeded provider starts with (the owner changes them on the providers screen). */
export const SEEDED_MODELS = {
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
  openai: 'gpt-4o-mini',
} as const;

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

interface Seed {
  name: string;
  keySetting: string;
  /** The provider to create, or undefined when the environment gave nothing for it. */
  provider(): NewProvider | undefined;
}

/**
 * First boot: a provider for each LLM the environment names — ANTHROPIC_API_KEY, GEMINI_API_KEY
 * (through their settings, so an install that stored those keys before providers existed gets them
 * too), and OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_MODEL for an OpenAI-compatible endpoint (local
 * when the address is on the owner's own network). Each seed applies once: a provider the owner
 * deleted does not come back. Safe when several nodes start together (the seed row is claimed first).
 */
export async function seedProviders(options: {
  pool: DatabasePool;
  settings: SettingsStore;
  providers: ProviderStore;
  seeds: Readonly<Record<string, string>>;
  logger: Logger;
}): Promise<string[]> {
  const { settings, seeds } = options;
  const openAiUrl = seeds[OPENAI_BASE_URL_SEED]?.trim();
  const openAiLocal = openAiUrl !== undefined && openAiUrl !== '' && isOwnNetworkHost(hostOf(openAiUrl));
  const all: Seed[] = [
    {
      name: 'anthropic',
      keySetting: 'llm.anthropic_api_key',
      provider: () =>
        settings.getString('llm.anthropic_api_key') === ''
          ? undefined
          : {
              id: 'anthropic',
              name: 'Anthropic',
              kind: 'anthropic',
              model: SEEDED_MODELS.anthropic,
              tier: 'medium',
              locality: 'remote',
            },
    },
    {
      name: 'gemini',
      keySetting: 'llm.gemini_api_key',
      provider: () =>
        settings.getString('llm.gemini_api_key') === ''
          ? undefined
          : {
              id: 'gemini',
              name: 'Google Gemini',
              kind: 'gemini',
              model: SEEDED_MODELS.gemini,
              tier: 'light',
              locality: 'remote',
            },
    },
    {
      name: 'openai',
      keySetting: OPENAI_API_KEY_SETTING,
      provider: () =>
        settings.getString(OPENAI_API_KEY_SETTING) === '' && (openAiUrl === undefined || openAiUrl === '')
          ? undefined
          : {
              id: 'openai',
              name: openAiLocal ? 'Local OpenAI-compatible' : 'OpenAI-compatible',
              kind: 'openai',
              baseUrl: openAiUrl || DEFAULT_BASE_URLS.openai,
              model: seeds[OPENAI_MODEL_SEED]?.trim() || SEEDED_MODELS.openai,
              tier: openAiLocal ? 'local' : 'medium',
              locality: openAiLocal ? 'local' : 'remote',
            },
    },
  ];
  const created: string[] = [];
  for (const seed of all) {
    const provider = seed.provider();
    if (!provider) continue;
    try {
      if (provider.baseUrl !== undefined) checkBaseUrl(provider.baseUrl);
    } catch (error) {
      options.logger.error(
        { provider: provider.id, reason: error instanceof Error ? error.message : String(error) },
        'OPENAI_BASE_URL cannot be used; no provider was seeded from it',
      );
      continue;
    }
    const claimed = await options.pool.maybeOneFirst(sql.unsafe`
      INSERT INTO llm_provider_seeds (name) VALUES (${seed.name}) ON CONFLICT (name) DO NOTHING RETURNING name`);
    if (claimed === null) continue;
    if (await options.providers.find(provider.id)) continue;
    try {
      await options.providers.create(provider, seed.keySetting);
      created.push(provider.id);
    } catch (error) {
      options.logger.error(
        { provider: provider.id, reason: error instanceof Error ? error.message : String(error) },
        'could not create the LLM provider seeded from the environment',
      );
    }
  }
  if (created.length > 0)
    options.logger.info({ providers: created }, 'LLM providers seeded from the environment');
  return created;
}
