import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { ContentSanitizer, SanitizeReport } from '../content/sanitizer.ts';
import type { LlmRunPolicy } from '../llm/run-policies.ts';
import type { StepDefinition, WorkflowDefinition } from './definition.ts';
import type { SkillCatalog } from './skill-catalog.ts';

/**
 * The output of a step whose skill's manifest says `"external": true` (web pages, feeds, API answers)
 * is untrusted: every string in it is sanitized before the next step receives it (reference §9), and
 * the report goes into the step's record. Other skills' output passes as it is (report null).
 */
export function sanitizeIfExternal(
  catalog: SkillCatalog,
  sanitizer: ContentSanitizer,
  executedSkill: string | null,
  output: JsonValue,
): { output: JsonValue; report: SanitizeReport | null } {
  if (executedSkill === null || catalog.describe(executedSkill)?.external !== true)
    return { output, report: null };
  const { value, report } = sanitizer.sanitize(output);
  return { output: value, report };
}

/** The owner's LLM choices for one step: the step's tier and provider, else the workflow's; local-only from the workflow. */
export function stepLlmPolicy(definition: WorkflowDefinition, step: StepDefinition): LlmRunPolicy {
  return {
    tier: step.llm?.tier ?? definition.llm.tier ?? undefined,
    provider: step.llm?.provider ?? definition.llm.provider ?? undefined,
    localOnly: definition.llm.localOnly === true,
  };
}
