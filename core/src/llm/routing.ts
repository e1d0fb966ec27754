import { LlmError } from './errors.ts';
import type { LlmProvider } from './provider-store.ts';
import { LLM_TIERS, type LlmTier } from './wire-types.ts';

/** Where a call may go: the tier it asks for, a provider it names, whether its data must stay local. */
export interface Routing {
  tier: LlmTier;
  /** Only this provider (a workflow step's choice); undefined = any, by tier. */
  provider: string | undefined;
  /** Only providers marked local (a workflow restricted to local providers). */
  localOnly: boolean;
}

function ladderIndex(tier: LlmTier): number {
  return LLM_TIERS.indexOf(tier);
}

/**
 * The providers a call may use, in the order to try them: the asked tier first, then the nearest
 * tiers (on a tie the stronger one: a task asked for `medium` is better served by `heavy` than by
 * `light`), by priority within a tier. A `local` call, or a local-only one, never gets a remote
 * provider. A named provider is the only candidate.
 */
export function candidatesFor(providers: readonly LlmProvider[], routing: Routing): LlmProvider[] {
  const localOnly = routing.localOnly || routing.tier === 'local';
  if (routing.provider !== undefined) {
    const named = providers.find((provider) => provider.id === routing.provider);
    if (!named || !named.enabled) {
      throw new LlmError(
        'llm_provider_not_found',
        `The LLM provider "${routing.provider}" ${named ? 'is disabled' : 'does not exist'}`,
      );
    }
    if (localOnly && named.locality !== 'local') {
      throw new LlmError(
        'llm_provider_not_allowed',
        `The LLM provider "${named.id}" is remote, and this data may only reach local providers`,
      );
    }
    return [named];
  }
  const wanted = ladderIndex(routing.tier);
  const eligible = providers.filter(
    (provider) => provider.enabled && (!localOnly || provider.locality === 'local'),
  );
  if (eligible.length === 0) {
    throw new LlmError(
      'llm_no_provider',
      localOnly
        ? 'No local LLM provider is enabled: add one (LLM providers in the admin) or allow remote providers'
        : 'No LLM provider is enabled: add one under LLM providers in the admin',
    );
  }
  const distance = (provider: LlmProvider): number => {
    const index = ladderIndex(provider.tier);
    // Equal distance: the stronger tier first (a half step closer).
    return Math.abs(index - wanted) * 2 - (index > wanted ? 1 : 0);
  };
  return [...eligible].sort(
    (a, b) => distance(a) - distance(b) || a.priority - b.priority || a.id.localeCompare(b.id),
  );
}

/** A step's LLM target in the workflow editor: its tier and provider (null = the skill's / any). */
export interface ReachTarget {
  tier: LlmTier | null;
  provider: string | null;
}

export interface Reach {
  providers: LlmProvider[];
  /** Targets no provider can serve (a named provider missing, a remote one under local-only...). */
  problems: { index: number; code: string; message: string }[];
}

/**
 * Which providers the data of a workflow's LLM calls may reach: for each target, every provider the
 * router could try (fallback included, not only the first), under the workflow's local-only rule.
 */
export function reachOf(
  providers: readonly LlmProvider[],
  localOnly: boolean,
  targets: readonly ReachTarget[],
): Reach {
  const reached = new Map<string, LlmProvider>();
  const problems: Reach['problems'] = [];
  targets.forEach((target, index) => {
    try {
      const routing = { tier: target.tier ?? 'medium', provider: target.provider ?? undefined, localOnly };
      for (const provider of candidatesFor(providers, routing)) reached.set(provider.id, provider);
    } catch (error) {
      if (!(error instanceof LlmError)) throw error;
      problems.push({ index, code: error.code, message: error.message });
    }
  });
  return { providers: [...reached.values()], problems };
}
