/**
 * The SkillAPI's `automation.run` as the core supplies it (the skill runtime's AutomationPort): the
 * `web_automation` core skill names a reviewed recipe and passes its parameters; the replay runs
 * with the recipe's own secrets and allowlist, and the skill gets the report.
 */
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { AutomationPort } from '@talon/skill-runtime/api/outside-services.ts';
import { RECIPE_LIMITS } from '@talon/skill-runtime/recipes/index.ts';
import { TalonError } from '../errors.ts';
import type { ReplayOptions, ReplayReport } from './replay-runner.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Parameters as strings, named as a recipe names them; anything else is the skill's mistake. */
function parametersOf(params: { [key: string]: JsonValue }): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) {
      throw new TalonError(
        'invalid_argument',
        `automation.run: parameter name "${name.slice(0, 64)}" is not a recipe parameter name`,
        400,
      );
    }
    if (typeof value !== 'string' || value.length > RECIPE_LIMITS.maxTextChars) {
      throw new TalonError(
        'invalid_argument',
        `automation.run: parameter ${name} must be a string of at most ${RECIPE_LIMITS.maxTextChars} characters`,
        400,
      );
    }
    parameters[name] = value;
  }
  return parameters;
}

export function automationSkillPort(automation: {
  replay(recipe: string, options: ReplayOptions): Promise<ReplayReport>;
}): AutomationPort {
  return {
    run: async (recipe, params, caller) => {
      const report = await automation.replay(recipe, {
        parameters: parametersOf(params),
        trigger: 'workflow',
        workflowRunId: UUID.test(caller.runId) ? caller.runId : null,
      });
      return JSON.parse(JSON.stringify(report)) as JsonValue;
    },
  };
}
