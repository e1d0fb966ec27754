import type { CommandEntry, CommandGroup, GatewayServices } from './command-table.ts';
import { coreCommands, skillCommands } from './core-commands.ts';
import { twoFactorCommands } from './two-factor-commands.ts';
import { workflowCommands } from './workflow-commands.ts';
import { githubCommands } from './github-commands.ts';
import { shellCommands } from './shell-commands.ts';
import { automationCommands } from './automation-commands.ts';

/**
 * THE command table: every group of Telegram commands, in the order `/help` lists them. A new
 * command (`/shell`, `/record`, `/llm`…) is one more group here, or one more entry in a group.
 */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  coreCommands,
  skillCommands,
  workflowCommands,
  shellCommands,
  githubCommands,
  automationCommands,
  twoFactorCommands,
];

const COMMAND_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** Builds the table from the groups, with `/help` listing every command. */
export function buildCommandTable(
  services: GatewayServices,
  groups: readonly CommandGroup[] = COMMAND_GROUPS,
): CommandEntry[] {
  const entries = groups.flatMap((group) => group(services));
  const help: CommandEntry = {
    name: 'help',
    usage: '/help',
    description: 'this list',
    handle: (ctx) =>
      ctx.reply(
        [
          'Commands:',
          ...table.map((entry) => `${entry.usage} — ${entry.description}`),
          'A message of 6 digits answers a pending 2FA request.',
        ].join('\n'),
      ),
  };
  const table = [entries[0]!, help, ...entries.slice(1)].filter(Boolean);
  const seen = new Set<string>();
  for (const entry of table) {
    // A typo here would make a command unreachable; fail at start, not when the owner tries it.
    if (!COMMAND_NAME.test(entry.name) || seen.has(entry.name)) {
      throw new Error(`Telegram command "${entry.name}" is invalid or defined twice`);
    }
    seen.add(entry.name);
  }
  return table;
}
