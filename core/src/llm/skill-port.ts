import type { LlmPort } from '@talon/skill-runtime/api/outside-services.ts';
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { LlmRouter } from './router.ts';

/**
 * `llm.complete` for skills: the router, called with the skill and run the host bound (the step's
 * tier, provider and local-only choices come from the run's policies). The skill gets the text
 * (and parsed JSON), which provider and model answered, and the tokens used.
 */
export function llmSkillPort(router: LlmRouter): LlmPort {
  return {
    complete: async (request, caller) => {
      const answer = await router.complete(request, { skill: caller.skill, runId: caller.runId });
      const result: { [key: string]: JsonValue } = {
        text: answer.text,
        provider: answer.provider,
        model: answer.model,
        usage: { inputTokens: answer.usage.inputTokens, outputTokens: answer.usage.outputTokens },
      };
      if (answer.json !== undefined) result['json'] = answer.json;
      return result;
    },
  };
}
