import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@talon/core/config/env.ts';
import { seedProviders } from '@talon/core/llm/provider-seeds.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { createLlmBed, type LlmBed } from './support/llm-bed.ts';

const beds: LlmBed[] = [];

afterEach(async () => {
  await Promise.all(beds.splice(0).map((bed) => bed.close()));
});

/** A first boot with these variables: settings seeded, then the providers. */
async function boot(env: Record<string, string>, database?: LlmBed['database']) {
  const bed = await createLlmBed({ env, ...(database ? { database } : {}) });
  if (!database) beds.push(bed);
  const created = await seedProviders({
    pool: bed.database.pool,
    settings: bed.settings,
    providers: bed.providers,
    seeds: loadConfig({ NODE_ENV: 'test', ...env }).seeds,
    logger: createLogger('silent'),
  });
  const providers = Object.fromEntries(
    (await bed.providers.list()).map((provider) => [provider.id, provider]),
  );
  return { bed, created, providers };
}

describe('first-boot provider seeds', () => {
  it('ANTHROPIC_API_KEY, GEMINI_API_KEY and a local OPENAI_BASE_URL each make a provider', async () => {
    const { created, providers } = await boot({
      ANTHROPIC_API_KEY: 'sk-ant-0123456789',
      GEMINI_API_KEY: 'AIza-0123456789',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPENAI_MODEL: 'llama3.2',
    });
    expect(created.sort()).toEqual(['anthropic', 'gemini', 'openai']);
    expect(providers['anthropic']).toMatchObject({
      kind: 'anthropic',
      baseUrl: 'https://api.anthropic.com',
      locality: 'remote',
      keySetting: 'llm.anthropic_api_key',
    });
    expect(providers['gemini']).toMatchObject({
      kind: 'gemini',
      locality: 'remote',
      keySetting: 'llm.gemini_api_key',
    });
    // On the owner's own machine: local, in the local tier, no key needed.
    expect(providers['openai']).toMatchObject({
      kind: 'openai',
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'llama3.2',
      tier: 'local',
      locality: 'local',
      keySetting: 'llm.openai_api_key',
    });
  });

  it('a remote OpenAI-compatible endpoint is remote, with its key', async () => {
    const { bed, providers } = await boot({
      OPENAI_API_KEY: 'sk-or-0123456789',
      OPENAI_BASE_URL: 'https://openrouter.ai/api/v1',
    });
    expect(providers['openai']).toMatchObject({ locality: 'remote', tier: 'medium', model: 'gpt-4o-mini' });
    expect(bed.providers.apiKey(providers['openai']!)).toBe('sk-or-0123456789');
  });

  it('OPENAI_API_KEY alone means OpenAI itself', async () => {
    const { providers } = await boot({ OPENAI_API_KEY: 'sk-0123456789' });
    expect(providers['openai']).toMatchObject({ baseUrl: 'https://api.openai.com/v1', locality: 'remote' });
  });

  it('nothing in the environment: no provider', async () => {
    const { providers } = await boot({ OPENAI_MODEL: 'llama3.2' });
    expect(providers).toEqual({});
  });

  it('a seeded provider the owner deleted does not come back at the next start', async () => {
    const env = { GEMINI_API_KEY: 'AIza-0123456789' };
    const first = await boot(env);
    await first.bed.providers.delete('gemini');
    const again = await boot(env, first.bed.database);
    expect(again.created).toEqual([]);
    expect(again.providers).toEqual({});
  });

  it('an OPENAI_BASE_URL that cannot be used (plain http to a public host) seeds nothing and stops nothing', async () => {
    const { providers } = await boot({
      OPENAI_BASE_URL: 'http://api.example.com/v1',
      ANTHROPIC_API_KEY: 'sk-ant-0123456789',
    });
    expect(Object.keys(providers)).toEqual(['anthropic']);
  });
});
