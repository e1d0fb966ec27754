import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'slonik';
import { loadSettings } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { SettingsCipher } from '@talon/core/crypto/settings-cipher.ts';
import { seedProviders } from '@talon/core/llm/provider-seeds.ts';
import { ProviderStore } from '@talon/core/llm/provider-store.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { verifySecretKey } from '@talon/core/settings/key-check.ts';
import { rotateSecrets } from '@talon/core/settings/rotate-secrets.ts';
import { startFakeAnthropic } from '../fakes/llm/anthropic.ts';
import type { FakeLlmServer } from '../fakes/llm/fake-llm-server.ts';
import { startFakeGemini } from '../fakes/llm/gemini.ts';
import { startFakeOpenAi } from '../fakes/llm/openai.ts';
import { createLlmBed, LLM_TEST_SECRET_KEY_BASE, type LlmBed } from './support/llm-bed.ts';

const NEW_KEY_BASE = 'a-brand-new-secret-key-base-for-rotation-0123456789-abcdefgh';
const logger = createLogger('silent');

let bed: LlmBed;
let anthropic: FakeLlmServer;
let gemini: FakeLlmServer;
let openai: FakeLlmServer;
let trap: FakeLlmServer;

beforeAll(async () => {
  anthropic = await startFakeAnthropic('sk-ant-from-env-0123456789');
  gemini = await startFakeGemini('AIza-gemini-from-env-0123456789');
  openai = await startFakeOpenAi('sk-openai-from-env-0123456789');
  trap = await startFakeOpenAi();
  // First boot with the three seeds, as `pnpm start` with these variables would.
  bed = await createLlmBed({
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-from-env-0123456789',
      GEMINI_API_KEY: 'AIza-gemini-from-env-0123456789',
      OPENAI_API_KEY: 'sk-openai-from-env-0123456789',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_MODEL: 'llama3.2',
    },
  });
  await seedProviders({
    pool: bed.database.pool,
    settings: bed.settings,
    providers: bed.providers,
    seeds: loadConfig({
      NODE_ENV: 'test',
      OPENAI_API_KEY: 'sk-openai-from-env-0123456789',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_MODEL: 'llama3.2',
    }).seeds,
    logger,
  });
  // The seeded Anthropic and Gemini providers point at the public APIs: move them to the fakes.
  await bed.providers.update('anthropic', { baseUrl: anthropic.url });
  await bed.providers.update('gemini', { baseUrl: gemini.url });
  await bed.providers.create({
    id: 'openrouter',
    name: 'OpenRouter',
    kind: 'openai',
    baseUrl: `${openai.url}/v1`,
    model: 'x',
    tier: 'heavy',
    locality: 'remote',
    apiKey: 'sk-or-added-in-admin-0123456789',
  });
});

afterAll(async () => {
  await Promise.all([anthropic, gemini, openai, trap].map((fake) => fake.close()));
  await bed.close();
});

describe('provider keys at rest', () => {
  it('every provider key is an encrypted sensitive setting; the providers table holds none', async () => {
    const rows = await bed.database.pool.any(sql.unsafe`
      SELECT key, value, sensitive FROM settings
      WHERE key IN ('llm.anthropic_api_key', 'llm.gemini_api_key', 'llm.openai_api_key', 'llm.provider.openrouter.api_key')
      ORDER BY key`);
    expect(rows).toHaveLength(4);
    for (const row of rows as readonly { value: string; sensitive: boolean }[]) {
      expect(row.sensitive).toBe(true);
      expect(row.value).toMatch(/^enc:/);
    }
    const providerTable = JSON.stringify(
      await bed.database.pool.any(sql.unsafe`SELECT * FROM llm_providers`),
    );
    for (const secret of ['sk-ant-from-env', 'AIza-gemini', 'sk-openai-from-env', 'sk-or-added']) {
      expect(providerTable).not.toContain(secret);
    }
    const view = bed.providers.view(await bed.providers.get('openrouter'));
    expect(view).toMatchObject({ hasKey: true, maskedKey: 'sk-o********6789' });
    expect(JSON.stringify(view)).not.toContain('sk-or-added-in-admin');
  });

  it('`secrets rotate` re-encrypts every provider key: read back with the new key, the old key is refused', async () => {
    const oldCipher = new SettingsCipher(LLM_TEST_SECRET_KEY_BASE);
    const newCipher = new SettingsCipher(NEW_KEY_BASE);
    await rotateSecrets(bed.database.pool, oldCipher, newCipher);
    await expect(verifySecretKey(bed.database.pool, oldCipher)).rejects.toMatchObject({
      code: 'wrong_secret_key',
    });
    const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY_BASE: NEW_KEY_BASE });
    const settings = await loadSettings(bed.database.pool, newCipher, config, logger);
    const providers = new ProviderStore(bed.database.pool, settings);
    const keys = Object.fromEntries(
      (await providers.list()).map((provider) => [provider.id, providers.apiKey(provider)]),
    );
    expect(keys).toEqual({
      anthropic: 'sk-ant-from-env-0123456789',
      gemini: 'AIza-gemini-from-env-0123456789',
      openai: 'sk-openai-from-env-0123456789',
      openrouter: 'sk-or-added-in-admin-0123456789',
    });
    await rotateSecrets(bed.database.pool, newCipher, oldCipher);
  });
});

describe("no SDK reads Talon's environment", () => {
  const poison: Record<string, string> = {};
  afterEach(() => {
    for (const name of Object.keys(poison)) delete process.env[name];
  });

  it('keys, base URLs, auth tokens, organisations and custom headers in the environment are never used', async () => {
    Object.assign(poison, {
      OPENAI_API_KEY: 'sk-ENV-LEAK-openai',
      OPENAI_BASE_URL: `${trap.url}/v1`,
      OPENAI_ORG_ID: 'org-ENV-LEAK',
      OPENAI_PROJECT_ID: 'proj-ENV-LEAK',
      OPENAI_CUSTOM_HEADERS: 'x-leak: env-openai',
      ANTHROPIC_API_KEY: 'sk-ant-ENV-LEAK',
      ANTHROPIC_AUTH_TOKEN: 'ENV-LEAK-token',
      ANTHROPIC_BASE_URL: trap.url,
      ANTHROPIC_CUSTOM_HEADERS: 'x-leak: env-anthropic',
      GEMINI_API_KEY: 'ENV-LEAK-gemini',
      GOOGLE_API_KEY: 'ENV-LEAK-google',
      GOOGLE_GEMINI_BASE_URL: trap.url,
      GOOGLE_GENAI_USE_VERTEXAI: 'true',
      GOOGLE_CLOUD_PROJECT: 'ENV-LEAK-project',
    });
    Object.assign(process.env, poison);
    for (const provider of ['anthropic', 'gemini', 'openai']) {
      const result = await bed.router.complete({ prompt: 'hi' }, { skill: 'env', provider });
      expect(result.provider).toBe(provider);
    }
    expect(trap.requests).toHaveLength(0);
    for (const fake of [anthropic, gemini, openai]) {
      const sent = JSON.stringify(fake.requests.at(-1)!.headers);
      expect(sent).not.toMatch(/ENV-LEAK|x-leak|openai-organization|openai-project/i);
    }
    expect(openai.requests.at(-1)!.headers['authorization']).toBe('Bearer sk-openai-from-env-0123456789');
  });

  it('an OpenAI-compatible provider without a key sends a placeholder, never OPENAI_API_KEY', async () => {
    Object.assign(poison, { OPENAI_API_KEY: 'sk-ENV-LEAK-openai' });
    Object.assign(process.env, poison);
    await bed.providers.create({
      id: 'ollama',
      name: 'Ollama',
      kind: 'openai',
      baseUrl: `${trap.url}/v1`,
      model: 'llama3.2',
      tier: 'local',
      locality: 'local',
    });
    await bed.router.complete({ prompt: 'hi' }, { skill: 'env', provider: 'ollama' });
    expect(trap.requests.at(-1)!.headers['authorization']).toBe('Bearer no-key');
  });
});
