import type { ChallengeHandler } from './challenge-handlers.ts';
import type { CommandGroup, GatewayServices } from './command-table.ts';

export const SHELL_EXEC_KIND = 'shell.exec';

const USAGE = '/shell <command>';

/**
 * `/shell <command>` (reference §1, CMD-21): refused at once when the shell is off or the command
 * is not allowed (metacharacters, whitelist) — no code is asked for a command that cannot run;
 * otherwise a 2FA challenge bound to exactly that command. The code runs it; the output follows.
 */
export const shellCommands: CommandGroup = (services) => [
  {
    name: 'shell',
    usage: USAGE,
    description: 'run a whitelisted command on this machine (asks for your 2FA code)',
    handle: async (ctx) => {
      if (!services.shell) return ctx.reply('The shell is not available on this node.');
      if (ctx.args === '') {
        return ctx.reply(
          `Usage: ${USAGE}, e.g. /shell df -h. Only whitelisted commands run (the admin's Shell screen), without a shell: no pipes, redirections or variables.`,
        );
      }
      const checked = services.shell.check(ctx.args);
      if (!checked.ok) return ctx.reply(checked.message);
      await ctx.challenge(
        { kind: SHELL_EXEC_KIND, args: { command: checked.command } },
        `run “${checked.command}”`,
      );
    },
  },
];

/** The code for a `/shell` challenge: checked for exactly the command it was opened for, then run. */
export function shellChallengeHandlers(services: GatewayServices): Record<string, ChallengeHandler> {
  return {
    [SHELL_EXEC_KIND]: async (code, challenge, requester) => {
      if (!services.shell) return 'The shell is not available on this node.';
      const command = await services.shell.approve(String(challenge.action.args['command']), code, requester);
      services.shell.runInBackground(command, requester.source);
      return `Code accepted: running “${command}”; the output follows.`;
    },
  };
}
