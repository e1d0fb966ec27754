import { loadSettings } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { ContentSanitizer } from '@talon/core/content/sanitizer.ts';
import { sanitizerOptionsFrom } from '@talon/core/content/settings.ts';
import { SettingsCipher } from '@talon/core/crypto/settings-cipher.ts';
import { ProviderStore, type NewProvider } from '@talon/core/llm/provider-store.ts';
import { LlmRouter } from '@talon/core/llm/router.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import type { SettingsStore } from '@talon/core/settings/store.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import type { FakeLlmServer } from '../../fakes/llm/fake-llm-server.ts';

export const LLM_TEST_SECRET_KEY_BASE = 'llm-test-secret-key-base-0123456789-abcdefghijklmnopqrstuvwxyz';

/** 2026-03-01T12:00:00Z: tests move this clock instead of waiting. */
export const START = Date.parse('2026-03-01T12:00:00Z');

export interface LlmBed {
  database: TestDatabase;
  settings: SettingsStore;
  providers: ProviderStore;
  router: LlmRouter;
  clock: { now: number };
  /** What one provider attempt may take before the router moves on (milliseconds). */
  timeout: { ms: number };
  /** A provider on a fake, remote unless said otherwise, with the fake's expected key. */
  addProvider(
    fake: FakeLlmServer,
    provider: Partial<NewProvider> & Pick<NewProvider, 'id' | 'kind'>,
  ): Promise<void>;
  /** Another router on the same database: a second Talon node. */
  secondNode(): LlmRouter;
  close(): Promise<void>;
}

/** A database of its own, settings as boot loads them, the provider store and a router with a test clock. */
export async function createLlmBed(
  options: { env?: Record<string, string>; database?: TestDatabase } = {},
): Promise<LlmBed> {
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY_BASE: LLM_TEST_SECRET_KEY_BASE, ...options.env });
  const logger = createLogger('silent');
  const settings = await loadSettings(
    database.pool,
    new SettingsCipher(LLM_TEST_SECRET_KEY_BASE),
    config,
    logger,
  );
  const providers = new ProviderStore(database.pool, settings);
  const clock = { now: START };
  const timeout = { ms: 5_000 };
  const makeRouter = (): LlmRouter =>
    new LlmRouter({
      providers: new ProviderStore(database.pool, settings),
      pool: database.pool,
      settings,
      logger,
      now: () => clock.now,
      timeoutMs: () => timeout.ms,
      sanitizer: new ContentSanitizer(sanitizerOptionsFrom(settings)),
    });
  return {
    database,
    settings,
    providers,
    router: makeRouter(),
    clock,
    timeout,
    addProvider: async (fake, provider) => {
      const baseUrl = provider.kind === 'openai' ? `${fake.url}/v1` : fake.url;
      await providers.create({
        name: provider.id,
        model: `${provider.kind}-model`,
        tier: 'medium',
        locality: 'remote',
        baseUrl,
        apiKey: fake.expectedKey ?? `key-of-${provider.id}`,
        ...provider,
      });
    },
    secondNode: makeRouter,
    close: async () => {
      if (!options.database) await database.drop();
    },
  };
}
