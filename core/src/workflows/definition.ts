import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { LlmTier } from '../llm/wire-types.ts';

/** The route target that ends the run (completed). */
export const END = 'end';
/** The route taken when no route names the branch a skill returned. */
export const DEFAULT_BRANCH = 'default';
/** The branch whose route is taken when a step fails (after retries and missing/open handling). */
export const ERROR_BRANCH = 'on_error';

export { LLM_TIERS, type LlmTier } from '../llm/wire-types.ts';

export const MISSED_RUN_POLICIES = ['skip', 'run_once'] as const;
export type MissedRunPolicy = (typeof MISSED_RUN_POLICIES)[number];

/** GitHub deliveries a workflow can be started by (core/src/github/). */
export const GITHUB_TRIGGER_EVENTS = ['pull_request', 'push'] as const;
export type GithubTriggerEvent = (typeof GITHUB_TRIGGER_EVENTS)[number];

/**
 * A GitHub trigger: deliveries of these events start the workflow, for these repositories
 * (`owner/name`; empty: any) and branches (a pull request's base branch, a push's branch; empty: any).
 */
export interface GithubTrigger {
  events: GithubTriggerEvent[];
  repos: string[];
  branches: string[];
}

/** What starts a workflow besides the admin, the API, Telegram and its schedule. */
export interface WorkflowTriggers {
  github: GithubTrigger | null;
}

export const UNAVAILABLE_ACTIONS = ['halt', 'skip', 'fallback'] as const;
/** What a step does when its skill is missing or its circuit is open. */
export type UnavailableAction = (typeof UNAVAILABLE_ACTIONS)[number];

export interface RetryPolicy {
  /** Total attempts, the first included (1 = no retry). */
  maxAttempts: number;
  /** Wait before the second attempt. */
  backoffMs: number;
  /** Each further wait is the previous one times this. */
  backoffFactor: number;
  maxBackoffMs: number;
}

export interface StepDefinition {
  /** Stable id: routes and `inputFrom` name steps by it, so reordering never rewires a workflow. */
  id: string;
  name: string;
  skill: string;
  /** The skill version the step was designed against. */
  skillVersion: string | null;
  config: { [key: string]: JsonValue };
  /** A step whose latest output is this step's input; null = the step that ran just before. */
  inputFrom: string | null;
  /** Branch → step id or `end`. */
  routes: { [branch: string]: string };
  retry: RetryPolicy;
  onUnavailable: UnavailableAction;
  fallbackSkill: string | null;
  /**
   * The step's LLM calls: a tier and a provider that win over the workflow's (null = the workflow's).
   * Optional: versions saved before steps had it mean "the workflow's".
   */
  llm?: StepLlm;
}

/** Which model a step's `llm.complete` calls reach. */
export interface StepLlm {
  tier: LlmTier | null;
  provider: string | null;
}

export interface ScheduleDefinition {
  cron: string;
  timezone: string;
  missedRunPolicy: MissedRunPolicy;
  enabled: boolean;
}

export interface WorkflowDefinition {
  name: string;
  description: string;
  enabled: boolean;
  schedule: ScheduleDefinition | null;
  requires2fa: boolean;
  /**
   * The default tier and provider of the workflow's LLM calls, and `localOnly`: its data may only
   * reach providers marked local (optional: false for versions saved before it existed).
   */
  llm: { tier: LlmTier | null; provider: string | null; localOnly?: boolean };
  /** Only this node runs the workflow (its TALON node name); null = any node. */
  nodePin: string | null;
  /** Runs beyond this wait in the queue. */
  maxConcurrentRuns: number;
  /** Steps one run may execute before it fails with `step_budget_exceeded`. */
  stepBudget: number;
  /** A run whose node is lost mid-run starts once more from its first step, instead of failing `node_lost`. */
  retryOnNodeLost: boolean;
  /**
   * GitHub deliveries that start it (optional: none for versions saved before triggers existed). A
   * signed webhook trigger is not part of the definition: its secret is never exported
   * (core/src/webhooks/).
   */
  triggers?: WorkflowTriggers;
  steps: StepDefinition[];
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 1,
  backoffMs: 500,
  backoffFactor: 2,
  maxBackoffMs: 30_000,
};
export const DEFAULT_STEP_BUDGET = 100;
