import type { LlmPort } from '@talon/skill-runtime/api/outside-services.ts';
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import { LlmError } from './errors.ts';
import type { LlmRouter } from './router.ts';
import type { LlmAttempt } from './wire-types.ts';

/** `answered by anthropic (claude-x) after openai: http_500` — what a run record keeps of one call. */
export function describeAttempts(attempts: readonly LlmAttempt[]): string {
  const answered = attempts.find((attempt) => attempt.outcome === 'answered');
  const before = attempts
    .filter((attempt) => attempt.outcome !== 'answered')
    .map((attempt) => `${attempt.provider}: ${attempt.reason ?? attempt.outcome}`);
  const head = answered ? `answered by ${answered.provider} (${answered.model})` : 'no provider answered';
  return before.length > 0 ? `${head} after ${before.join(', ')}` : head;
}

/**
 * `llm.complete` for skills: the router, called with the skill and run the host bound (the step's
 * tier, provider and local-only choices come from the run's policies). The skill gets the text
 * (and parsed JSON), which provider and model answered, and the tokens used; the call's record
 * says which provider answered and which failed before it.
 */
export function llmSkillPort(router: LlmRouter): LlmPort {
  return {
    complete: async (request, caller, note) => {
      try {
        const answer = await router.complete(request, { skill: caller.skill, runId: caller.runId });
        note?.(describeAttempts(answer.attempts));
        const result: { [key: string]: JsonValue } = {
          text: answer.text,
          provider: answer.provider,
          model: answer.model,
          usage: { inputTokens: answer.usage.inputTokens, outputTokens: answer.usage.outputTokens },
        };
        if (answer.json !== undefined) result['json'] = answer.json;
        return result;
      } catch (error) {
        if (error instanceof LlmError && error.attempts.length > 0) note?.(describeAttempts(error.attempts));
        throw error;
      }
    },
  };
}
