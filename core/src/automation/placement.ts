/**
 * Where a workflow's runs go when several nodes share a database: a workflow pinned by its owner
 * stays pinned; otherwise one with a `web_automation` step (or fallback) goes to the node named by
 * `web_automator.node`, whose sidecar runs automation. The scheduler asks this for every run it
 * queues (triggers, approvals, schedules), so a changed setting applies to the next run.
 */
import type { SettingsStore } from '../settings/store.ts';
import { readAutomationSettings } from './settings.ts';

export const WEB_AUTOMATION_SKILL = 'web_automation';

export interface PlacedDefinition {
  nodePin: string | null;
  steps?: readonly { skill: string; fallbackSkill?: string | null }[];
}

export function automationPlacement(
  settings: SettingsStore,
): (definition: PlacedDefinition) => string | null {
  return (definition) => {
    if (definition.nodePin !== null) return definition.nodePin;
    const automates = (definition.steps ?? []).some(
      (step) => step.skill === WEB_AUTOMATION_SKILL || step.fallbackSkill === WEB_AUTOMATION_SKILL,
    );
    if (!automates) return null;
    const { node } = readAutomationSettings(settings);
    return node === '' ? null : node;
  };
}
