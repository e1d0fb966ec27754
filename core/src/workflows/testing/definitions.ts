import type { SkillManifest } from '@talon/skill-runtime/contract/manifest.ts';
import type { WorkflowDefinition } from '../definition.ts';
import type { SkillCatalog } from '../skill-catalog.ts';
import { validateDefinition } from '../validate-definition.ts';

/** A minimal valid manifest for tests. */
export function manifest(name: string, extra: Partial<SkillManifest> = {}): SkillManifest {
  return { name, version: '1.0.0', description: `${name} (test skill)`, permissions: [], ...extra };
}

/** Validates a definition written as JSON (defaults filled in); a test bug if it has problems. */
export function defineWorkflow(input: Record<string, unknown>, catalog: SkillCatalog): WorkflowDefinition {
  const check = validateDefinition(input, catalog);
  if (!check.ok) throw new Error(`test workflow is invalid: ${JSON.stringify(check.problems)}`);
  return check.definition;
}
