import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import { delimitUntrusted } from '../content/delimit.ts';
import type { ContentSanitizer } from '../content/sanitizer.ts';
import type { Logger } from '../logging/logger.ts';
import { attemptProvider, missingKey } from './attempt.ts';
import { TokenBudget, utcDay, type Reservation } from './budget.ts';
import { FALLBACK_KINDS, ProviderFailure } from './clients/provider-failure.ts';
import { LlmError } from './errors.ts';
import { JSON_INSTRUCTION, parseJsonAnswer } from './json-answer.ts';
import { LLM_LIMITS, type LlmLimitName } from './limits.ts';
import type { LlmProvider, ProviderStore } from './provider-store.ts';
import { estimateTokens, normaliseRequest, type CompleteRequest, type NormalisedRequest } from './request.ts';
import { candidatesFor, reachOf, type Reach, type ReachTarget } from './routing.ts';
import { RunLlmPolicies } from './run-policies.ts';
import { UsageLedger } from './usage.ts';
import type { LlmAttempt, LlmProviderTestResult, LlmTier, LlmUsage } from './wire-types.ts';

export type { CompleteRequest };

/** Who is calling and what the owner allows for it: never taken from the skill's own request. */
export interface CallContext {
  /** The calling skill (budget per skill per day). */
  skill: string;
  /** The run (budget per run); undefined for a call outside any run. */
  runId?: string | undefined;
  /** Only local providers (a workflow restricted to them); OR-ed with the run's policy. */
  localOnly?: boolean | undefined;
  /** Only this provider (a workflow step's choice); default: the run's policy, then any by tier. */
  provider?: string | undefined;
  /** The tier the owner chose for the step; wins over the request's. Default: the run's policy. */
  tier?: LlmTier | undefined;
}

export interface CompleteResult {
  text: string;
  /** With `json: true`: the answer, parsed. */
  json?: JsonValue;
  /** The provider that answered (its id) and the model it named. */
  provider: string;
  model: string;
  usage: LlmUsage;
  /** Every provider tried, in order, and how each went. */
  attempts: LlmAttempt[];
}

export interface LlmRouterOptions {
  providers: ProviderStore;
  pool: ConstructorParameters<typeof TokenBudget>[0];
  /** The live settings (limits are read on every call). */
  settings: { getInteger(key: string, fallback: number): number };
  logger: Logger;
  /** Cleans `untrusted` content before it is delimited (the executor already cleaned external steps' output). */
  sanitizer?: ContentSanitizer | undefined;
  /** Milliseconds since the epoch: the budget's UTC day and the 429 cool-downs (tests move it). */
  now?: () => number;
  /** Overrides `llm.timeout_seconds` (tests use milliseconds). */
  timeoutMs?: () => number;
}

/**
 * The LLM router: picks providers by tier (nearest tier when a tier has none, `local` never remote),
 * keeps within the token budgets, falls back to the next provider on 429 (then leaves that provider
 * alone for its retry-after), 5xx, a timeout or an unreachable server, and stops on 400/401/403 (the
 * caller's or the owner's to fix). Every attempt is counted per provider and UTC day.
 */
export class LlmRouter {
  readonly providers: ProviderStore;
  readonly budget: TokenBudget;
  readonly usage: UsageLedger;
  /** The workflow executor's per-run LLM choices (tier, provider, local only). */
  readonly runPolicies = new RunLlmPolicies();
  readonly #settings: LlmRouterOptions['settings'];
  readonly #logger: Logger;
  readonly #sanitizer: ContentSanitizer | undefined;
  readonly #now: () => number;
  readonly #timeoutMs: (() => number) | undefined;
  /** Provider id → until when (ms) it is left alone after a 429. This node only. */
  readonly #coolingUntil = new Map<string, number>();
  #lastPrune = 0;

  constructor(options: LlmRouterOptions) {
    this.providers = options.providers;
    this.budget = new TokenBudget(options.pool);
    this.usage = new UsageLedger(options.pool);
    this.#settings = options.settings;
    this.#logger = options.logger;
    this.#sanitizer = options.sanitizer;
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs;
  }

  #limit(name: LlmLimitName): number {
    const limit = LLM_LIMITS[name];
    return this.#settings.getInteger(limit.key, limit.fallback);
  }

  /** The router's one entry point; wire it as the SkillAPI's `llm.complete`. */
  async complete(input: CompleteRequest | unknown, context: CallContext): Promise<CompleteResult> {
    const request = normaliseRequest(input, {
      defaultMaxTokens: this.#limit('defaultMaxTokens'),
      maxTokensPerCall: this.#limit('maxTokensPerCall'),
    });
    const policy = this.runPolicies.get(context.runId);
    const routing = {
      tier: context.tier ?? policy?.tier ?? request.tier,
      provider: context.provider ?? policy?.provider,
      localOnly: context.localOnly === true || policy?.localOnly === true,
    };
    const candidates = candidatesFor(await this.providers.list(), routing);
    const call = this.#withUntrusted(request);
    const now = this.#now();
    const day = utcDay(now);
    this.#pruneNow(now);
    const reservation = await this.budget.reserve(
      { skill: context.skill, runId: context.runId, day, tokens: estimateTokens(call) },
      {
        tokensPerRun: this.#limit('tokensPerRun'),
        tokensPerSkillPerDay: this.#limit('tokensPerSkillPerDay'),
      },
    );
    let used = 0;
    try {
      const answered = await this.#tryInOrder(candidates, call, day);
      used = answered.usage.inputTokens + answered.usage.outputTokens;
      const json = request.json ? parseJsonAnswer(answered.text, answered.provider) : undefined;
      return json === undefined ? answered : { ...answered, json };
    } finally {
      await this.budget
        .settle(reservation, used)
        .catch((error: unknown) => this.#settleFailed(reservation, error));
    }
  }

  #withUntrusted(request: NormalisedRequest): NormalisedRequest {
    const system = request.json
      ? [request.system, JSON_INSTRUCTION].filter(Boolean).join('\n\n')
      : request.system;
    if (request.untrusted === undefined) return { ...request, system };
    const content = this.#sanitizer
      ? this.#sanitizer.sanitizeText(request.untrusted).text
      : request.untrusted;
    const block = delimitUntrusted(content);
    const messages = request.messages.map((message) => ({ ...message }));
    const last = messages.at(-1)!;
    last.content = `${last.content}\n\n${block.text}`;
    return { ...request, messages, system: [system, block.notice].filter(Boolean).join('\n\n') };
  }

  async #tryInOrder(
    candidates: readonly LlmProvider[],
    request: NormalisedRequest,
    day: string,
  ): Promise<Omit<CompleteResult, 'json'>> {
    const attempts: LlmAttempt[] = [];
    const timeoutMs = this.#timeoutMs?.() ?? this.#limit('timeoutSeconds') * 1000;
    for (const provider of candidates) {
      const started = performance.now();
      const record = (outcome: LlmAttempt['outcome'], reason?: string): void => {
        attempts.push({
          provider: provider.id,
          model: provider.model,
          outcome,
          ...(reason === undefined ? {} : { reason }),
          durationMs: Math.round(performance.now() - started),
        });
      };
      const cooling = this.#coolingUntil.get(provider.id);
      if (cooling !== undefined && cooling > this.#now()) {
        record('skipped', 'cooling_down');
        continue;
      }
      const apiKey = this.providers.apiKey(provider);
      const noKey = missingKey(provider, apiKey);
      if (noKey) {
        record('skipped', 'no_key');
        continue;
      }
      try {
        const answer = await attemptProvider(
          provider,
          apiKey,
          {
            system: request.system,
            messages: request.messages,
            maxTokens: request.maxTokens,
            temperature: request.temperature,
            json: request.json,
          },
          timeoutMs,
        );
        record('answered');
        await this.usage.record(provider.id, day, { ...answer.usage, failed: false });
        return {
          text: answer.text,
          provider: provider.id,
          model: answer.model,
          usage: answer.usage,
          attempts,
        };
      } catch (error) {
        const failure =
          error instanceof ProviderFailure ? error : new ProviderFailure('unreachable', String(error));
        record('failed', failure.reason);
        await this.usage.record(provider.id, day, { inputTokens: 0, outputTokens: 0, failed: true });
        if (failure.kind === 'rate_limited') {
          const waitMs = failure.retryAfterMs ?? this.#limit('rateLimitCooldownSeconds') * 1000;
          this.#coolingUntil.set(provider.id, this.#now() + waitMs);
        }
        this.#logger.warn(
          { provider: provider.id, reason: failure.reason, message: failure.message },
          FALLBACK_KINDS.has(failure.kind)
            ? 'LLM provider failed; trying the next'
            : 'LLM provider refused the call',
        );
        if (!FALLBACK_KINDS.has(failure.kind)) {
          throw new LlmError(
            failure.kind === 'auth' ? 'llm_auth_failed' : 'llm_request_rejected',
            `${provider.name} refused the call: ${failure.message}`,
            attempts,
          );
        }
      }
    }
    const summary = attempts
      .map((attempt) => `${attempt.provider}: ${attempt.reason ?? attempt.outcome}`)
      .join(', ');
    throw new LlmError('llm_unavailable', `No LLM provider could answer (${summary})`, attempts);
  }

  /**
   * The admin's "Test" button: one short call to this provider only, outside any budget, counted in
   * its usage. Answers what happened instead of throwing.
   */
  async testProvider(id: string): Promise<LlmProviderTestResult> {
    const provider = await this.providers.get(id);
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const apiKey = this.providers.apiKey(provider);
    const day = utcDay(this.#now());
    const noKey = missingKey(provider, apiKey);
    if (noKey)
      return {
        ok: false,
        model: provider.model,
        durationMs: 0,
        error: { code: 'llm_auth_failed', message: noKey.message },
      };
    try {
      const answer = await attemptProvider(
        provider,
        apiKey,
        {
          system: undefined,
          messages: [{ role: 'user', content: 'Reply with the word OK.' }],
          maxTokens: 16,
          temperature: 0,
          json: false,
        },
        this.#timeoutMs?.() ?? this.#limit('timeoutSeconds') * 1000,
      );
      await this.usage.record(provider.id, day, { ...answer.usage, failed: false });
      return { ok: true, text: answer.text, model: answer.model, durationMs: elapsed(), usage: answer.usage };
    } catch (error) {
      await this.usage.record(provider.id, day, { inputTokens: 0, outputTokens: 0, failed: true });
      const failure =
        error instanceof ProviderFailure ? error : new ProviderFailure('unreachable', String(error));
      return {
        ok: false,
        model: provider.model,
        durationMs: elapsed(),
        error: { code: `llm_${failure.kind}`, message: failure.message },
      };
    }
  }

  /** Which providers a workflow's LLM calls may reach (routing.ts `reachOf`), for the workflow editor. */
  async reach(localOnly: boolean, targets: readonly ReachTarget[]): Promise<Reach> {
    return reachOf(await this.providers.list(), localOnly, targets);
  }

  #settleFailed(reservation: Reservation, error: unknown): void {
    this.#logger.error(
      { skill: reservation.skill, reason: String(error) },
      'could not settle an LLM token reservation',
    );
  }

  /** At most hourly: forget old run budgets (best effort; a failure is logged, never thrown). */
  #pruneNow(now: number): void {
    if (now - this.#lastPrune < 3_600_000) return;
    this.#lastPrune = now;
    this.budget
      .prune()
      .catch((error: unknown) => this.#logger.warn({ reason: String(error) }, 'LLM budget prune failed'));
  }
}
