import type { LlmRouter } from '../../llm/router.ts';
import type { HealthProbe } from '../component-health.ts';

/** LLM providers: how many are enabled, and how today's requests went (all nodes). */
export function llmProbe(router: Pick<LlmRouter, 'providers' | 'usage'>): HealthProbe {
  return {
    id: 'llm',
    label: 'LLM providers',
    probe: async () => {
      const providers = (await router.providers.list()).filter((provider) => provider.enabled);
      if (providers.length === 0) return { state: 'off', detail: 'no provider is enabled' };
      const today = new Date().toISOString().slice(0, 10);
      const usage = await router.usage.list(today, 1);
      const failing = providers.filter((provider) => {
        const row = usage.find((entry) => entry.providerId === provider.id);
        return row !== undefined && row.errors > 0 && row.errors >= row.requests;
      });
      const requests = usage.reduce((sum, row) => sum + row.requests, 0);
      const errors = usage.reduce((sum, row) => sum + row.errors, 0);
      const names = providers.map((provider) => provider.name).join(', ');
      const todaysUsage = `today ${requests} request(s), ${errors} error(s)`;
      if (failing.length > 0) {
        return {
          state: failing.length === providers.length ? 'down' : 'degraded',
          detail: `every request failed today at ${failing.map((provider) => provider.name).join(', ')}; ${todaysUsage}`,
        };
      }
      return { state: 'ok', detail: `${providers.length} enabled (${names}); ${todaysUsage}` };
    },
  };
}
