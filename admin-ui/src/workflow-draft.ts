import type { StepDefinition, WorkflowDefinition } from './api/workflow-types.ts';
import type { SkillChoice } from './skill-catalog.ts';

/** A new workflow as the editor starts it: the server fills in the same defaults on save. */
export function emptyDefinition(): WorkflowDefinition {
  return {
    name: '',
    description: '',
    enabled: true,
    schedule: null,
    requires2fa: false,
    llm: { tier: null, provider: null, localOnly: false },
    nodePin: null,
    maxConcurrentRuns: 1,
    stepBudget: 100,
    retryOnNodeLost: false,
    steps: [],
  };
}

/** `base`, or `base_2`, `base_3`… : the first that no step uses yet (ids must match ^[a-z][a-z0-9_-]*$). */
export function uniqueStepId(base: string, taken: readonly string[]): string {
  const cleaned =
    base
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '_')
      .replace(/^[^a-z]+/, '')
      .replace(/_+$/, '') || 'step';
  const stem = cleaned.slice(0, 56);
  if (!taken.includes(stem)) return stem;
  for (let n = 2; ; n += 1) {
    const candidate = `${stem}_${n}`;
    if (!taken.includes(candidate)) return candidate;
  }
}

/** A step running `skill`, with its scaffold config and no routes (the next step in order follows). */
export function newStep(skill: SkillChoice | undefined, taken: readonly string[]): StepDefinition {
  const name = skill?.name ?? 'step';
  return {
    id: uniqueStepId(name, taken),
    name: name.replace(/_/g, ' '),
    skill: skill?.name ?? '',
    skillVersion: null,
    // A JSON copy: the scaffold may be a reactive proxy, which structuredClone refuses.
    config: JSON.parse(JSON.stringify(skill?.ui.configScaffold ?? {})) as StepDefinition['config'],
    inputFrom: null,
    routes: {},
    retry: { maxAttempts: 1, backoffMs: 500, backoffFactor: 2, maxBackoffMs: 30_000 },
    onUnavailable: 'halt',
    fallbackSkill: null,
    llm: { tier: null, provider: null },
  };
}

/**
 * A step id changed: routes and `inputFrom` of every step follow it, since they name steps by id.
 */
export function renameStepReferences(steps: StepDefinition[], from: string, to: string): void {
  for (const step of steps) {
    if (step.inputFrom === from) step.inputFrom = to;
    for (const [branch, target] of Object.entries(step.routes)) {
      if (target === from) step.routes[branch] = to;
    }
  }
}

/** A step is gone: what pointed at it falls back to the defaults (no route, the step that ran before). */
export function forgetStepReferences(steps: StepDefinition[], removed: string): void {
  for (const step of steps) {
    if (step.inputFrom === removed) step.inputFrom = null;
    for (const [branch, target] of Object.entries(step.routes)) {
      if (target === removed) delete step.routes[branch];
    }
  }
}

/** One step in the editor: its definition, and its config as the text being typed (parsed on save). */
export interface StepDraft {
  /** Stable while the step is being edited, whatever its id becomes (for Vue's list keys). */
  key: number;
  step: StepDefinition;
  configText: string;
}

let nextDraftKey = 1;

export function draftOf(step: StepDefinition): StepDraft {
  nextDraftKey += 1;
  // Versions saved before steps had LLM choices mean "the workflow's".
  step.llm ??= { tier: null, provider: null };
  return { key: nextDraftKey, step, configText: JSON.stringify(step.config, null, 2) };
}

/** The config typed for a step: a JSON object, or why it is not one. */
export function parseConfig(text: string): { config: StepDefinition['config'] } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() === '' ? '{}' : text);
  } catch (error) {
    return { error: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { error: 'must be a JSON object, like {"key": "value"}' };
  }
  return { config: parsed as StepDefinition['config'] };
}

/** The step config field of a secret binding chosen for the step (skill-runtime's step-secret-binding.ts). */
export const STEP_SECRET_BINDING_FIELD = 'secretBinding';

/**
 * Steps whose config chooses a secret binding that the saved version did not have for that step:
 * saving them needs a 2FA code (the server decides; this tells the editor to ask for one).
 */
export function stepsWithNewSecretBinding(
  drafts: readonly StepDraft[],
  saved: readonly StepDefinition[] | undefined,
): string[] {
  return drafts
    .filter(({ step, configText }) => {
      const parsed = parseConfig(configText);
      if (!('config' in parsed)) return false;
      const chosen = parsed.config[STEP_SECRET_BINDING_FIELD];
      if (chosen === undefined) return false;
      const before = saved?.find((other) => other.id === step.id)?.config[STEP_SECRET_BINDING_FIELD];
      return JSON.stringify(chosen) !== JSON.stringify(before);
    })
    .map(({ step }) => step.id);
}
