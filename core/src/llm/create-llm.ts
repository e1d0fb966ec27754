import type { DatabasePool } from 'slonik';
import { ContentSanitizer } from '../content/sanitizer.ts';
import { sanitizerOptionsFrom } from '../content/settings.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { seedProviders } from './provider-seeds.ts';
import { ProviderStore } from './provider-store.ts';
import { LlmRouter } from './router.ts';

export interface Llm {
  /** The router: `router.complete(request, context)` is what the SkillAPI's `llm.complete` calls. */
  router: LlmRouter;
  /** The content sanitizer on the owner's live settings (the workflow executor cleans external output with it). */
  sanitizer: ContentSanitizer;
}

/** Boot: the provider store, the sanitizer and the router on the live settings, and the first-boot provider seeds. */
export async function createLlm(options: {
  pool: DatabasePool;
  settings: SettingsStore;
  logger: Logger;
  seeds: Readonly<Record<string, string>>;
}): Promise<Llm> {
  const providers = new ProviderStore(options.pool, options.settings);
  const sanitizer = new ContentSanitizer(sanitizerOptionsFrom(options.settings));
  const logger = options.logger.child({ domain: 'llm' });
  await seedProviders({ ...options, providers, logger });
  const router = new LlmRouter({
    providers,
    pool: options.pool,
    settings: options.settings,
    logger,
    sanitizer,
  });
  return { router, sanitizer };
}
