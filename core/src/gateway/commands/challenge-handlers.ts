import type { Challenge } from '../challenges.ts';
import { ADMIN_STEP_UP_KIND } from '../step-up-grants.ts';
import { STEP_UP_GRANT_TTL_SECONDS } from '../limits.ts';
import type { GatewayServices } from './command-table.ts';
import { TOTP_DISABLE_KIND } from './two-factor-commands.ts';
import { WORKFLOW_RUN_KIND } from './workflow-commands.ts';
import { shellChallengeHandlers } from './shell-commands.ts';
import { automationChallengeHandlers } from './automation-commands.ts';

/**
 * What a code does for each kind of challenge: the action is read from the challenge (never from
 * the message with the code) and verified with the step-up function, bound to that action and
 * target. Answers the reply for the owner; throws what the step-up or the action threw.
 * Later issues add their kinds (`shell.exec`, `automation.record`…) here.
 */
export type ChallengeHandler = (
  code: string,
  challenge: Challenge,
  requester: { actor: string; source: string },
) => Promise<string>;

export function challengeHandlers(services: GatewayServices): Record<string, ChallengeHandler> {
  return {
    ...shellChallengeHandlers(services),
    ...automationChallengeHandlers(services),
    [WORKFLOW_RUN_KIND]: async (code, challenge, requester) => {
      const runId = String(challenge.action.args['runId']);
      const run = await services.workflows!.service.approveRun(runId, code, requester);
      return `Code accepted: run ${run.id.slice(0, 8)} of “${run.workflow_name}” is ${run.status}.`;
    },
    [TOTP_DISABLE_KIND]: async (code, _challenge, requester) => {
      await services.twoFactor.disable(code, requester);
      return '2FA disabled.';
    },
    [ADMIN_STEP_UP_KIND]: async (code, challenge, requester) => {
      const action = String(challenge.action.args['action']);
      const target = challenge.action.args['target'];
      await services.stepUp.verify({
        action,
        code,
        actor: requester.actor,
        source: requester.source,
        target: typeof target === 'string' ? target : undefined,
      });
      await services.grants.grant(
        action,
        typeof target === 'string' ? target : undefined,
        STEP_UP_GRANT_TTL_SECONDS,
      );
      return `Approved: ${challenge.description}. Go back to the admin and try again within ${STEP_UP_GRANT_TTL_SECONDS / 60} minutes.`;
    },
  };
}
