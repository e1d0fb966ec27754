/**
 * The one import a skill's own code needs. It has no dependencies, so `talon-skill build` bundles
 * only these few lines into `index.js`.
 */
import {
  BRANCH_KEY,
  type BranchResult,
  type JsonObject,
  type JsonValue,
  type SkillDefinition,
} from '@talon/skill-runtime/contract/skill-api.ts';

export type * from '@talon/skill-runtime/contract/skill-api.ts';
export { BRANCH_KEY } from '@talon/skill-runtime/contract/skill-api.ts';

/**
 * Declares a skill: `export default defineSkill({ run })`. It returns its argument unchanged and
 * exists for type inference of `ctx` (type the config and the input with the type parameters).
 */
export function defineSkill<Config = JsonObject, Input = JsonValue>(
  definition: SkillDefinition<Config, Input>,
): SkillDefinition<Config, Input> {
  return definition;
}

/** Ends the run on a branch other than `on_success`; the name must be one of the manifest's `routes`. */
export function branch<Result extends JsonValue>(name: string, result: Result): BranchResult<Result> {
  return { [BRANCH_KEY]: name, result };
}
