import { LOG_LIMITS } from '../limits.ts';
import { SkillApiError } from './api-error.ts';
import { optionalObject, requireArity, requireString } from './arguments.ts';
import type { HostFunction } from './call-context.ts';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** `log.<level>(message, fields?)`: one line in Talon's log, tagged with the skill and the run. */
export function logFunction(level: Level): HostFunction {
  const fn = `log.${level}`;
  return async (context, args) => {
    requireArity(fn, args, 2);
    const message = requireString(fn, 'message', args[0], LOG_LIMITS.maxMessageChars);
    const fields = optionalObject(fn, 'fields', args[1]);
    if (fields && JSON.stringify(fields).length > LOG_LIMITS.maxFieldsChars) {
      throw new SkillApiError(
        'invalid_argument',
        `${fn}: fields are larger than ${LOG_LIMITS.maxFieldsChars} characters`,
      );
    }
    if (context.logLines >= LOG_LIMITS.maxLinesPerRun) {
      throw new SkillApiError(
        'rate_limited',
        `${fn}: a run may log at most ${LOG_LIMITS.maxLinesPerRun} lines`,
      );
    }
    context.logLines += 1;
    // Fields are nested under `skillFields` so a skill cannot overwrite the host's own keys.
    context.logger[level]({ skill: context.skill, runId: context.runId, skillFields: fields }, message);
    return null;
  };
}
