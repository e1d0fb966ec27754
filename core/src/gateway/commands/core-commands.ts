import type { CommandEntry, CommandGroup } from './command-table.ts';

const MB = 1024 * 1024;

function describeUptime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return days > 0
    ? `${days}d ${hours}h ${minutes}m`
    : hours > 0
      ? `${hours}h ${minutes}m`
      : `${minutes}m ${seconds % 60}s`;
}

/** `/start`, `/ping`, `/status`. (`/help` is built from the whole table, in commands.ts.) */
export const coreCommands: CommandGroup = (services) => {
  const start: CommandEntry = {
    name: 'start',
    usage: '/start',
    description: 'say hello',
    handle: (ctx) => ctx.reply(`Talon is ready (node ${services.node}). Send /help for the commands.`),
  };
  const ping: CommandEntry = {
    name: 'ping',
    usage: '/ping',
    description: 'check that Talon answers',
    handle: (ctx) => ctx.reply(`pong from ${services.node}`),
  };
  const status: CommandEntry = {
    name: 'status',
    usage: '/status',
    description: 'uptime, memory, skills, open circuits, runs in flight',
    handle: async (ctx) => {
      const skills = services.skills?.list() ?? [];
      const open = skills.filter((skill) => skill.breaker.state !== 'closed');
      const inFlight = services.workflows
        ? (
            await Promise.all(
              (['queued', 'running', 'waiting_2fa'] as const).map((status) =>
                services.workflows!.runs.list({ status, limit: 500 }),
              ),
            )
          ).map((runs) => runs.length)
        : [0, 0, 0];
      const memory = process.memoryUsage();
      await ctx.reply(
        [
          `Talon on ${services.node}`,
          `uptime: ${describeUptime(services.now() - services.startedAt)}`,
          `memory: ${Math.round(memory.rss / MB)} MB (heap ${Math.round(memory.heapUsed / MB)} MB)`,
          `skills loaded: ${skills.length}`,
          `open circuits: ${open.length === 0 ? 'none' : open.map((skill) => `${skill.name} (${skill.breaker.state})`).join(', ')}`,
          `runs in flight: ${inFlight[1]} running, ${inFlight[0]} queued, ${inFlight[2]} waiting for a 2FA code`,
        ].join('\n'),
      );
    },
  };
  return [start, ping, status];
};

/** `/skills`: every loaded skill with its kind and circuit state. */
export const skillCommands: CommandGroup = (services) => [
  {
    name: 'skills',
    usage: '/skills',
    description: 'the loaded skills, their kind and circuit state',
    handle: async (ctx) => {
      const skills = [...(services.skills?.list() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
      if (skills.length === 0) return ctx.reply('No skills are loaded.');
      await ctx.reply(
        [
          `${skills.length} skills loaded:`,
          ...skills.map((s) => `• ${s.name} — ${s.kind}, circuit ${s.breaker.state}`),
        ].join('\n'),
      );
    },
  },
];
