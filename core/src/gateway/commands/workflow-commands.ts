import { isTotpEnrolled } from '../../auth/step-up.ts';
import { TalonError } from '../../errors.ts';
import type { WorkflowRecord } from '../../workflows/repository.ts';
import type { RunRecord } from '../../workflows/run-repository.ts';
import type { CommandContext, CommandGroup, GatewayServices } from './command-table.ts';
import { parseRunArguments, RUN_USAGE } from './run-arguments.ts';

/** Runs `/runs` lists by default, and at most. */
const RUNS_DEFAULT = 10;
const RUNS_MAX = 50;
/** Characters of an id shown (enough to be unique among one owner's workflows and runs). */
const ID_PREFIX_CHARS = 8;

export const WORKFLOW_RUN_KIND = 'workflow.run';

const short = (id: string): string => id.slice(0, ID_PREFIX_CHARS);

export type WorkflowMatch = { found: WorkflowRecord } | { ambiguous: WorkflowRecord[] } | { none: true };

/** A workflow by exact name (any case), else by id prefix, else by name prefix; several matches are listed. */
export function findWorkflow(workflows: readonly WorkflowRecord[], wanted: string): WorkflowMatch {
  const lower = wanted.toLowerCase();
  const exact = workflows.filter((w) => w.definition.name.toLowerCase() === lower);
  if (exact.length === 1) return { found: exact[0]! };
  const byId = /^[0-9a-f-]{2,36}$/.test(lower) ? workflows.filter((w) => w.id.startsWith(lower)) : [];
  const candidates =
    exact.length > 1
      ? exact
      : byId.length > 0
        ? byId
        : workflows.filter((w) => w.definition.name.toLowerCase().startsWith(lower));
  if (candidates.length === 1) return { found: candidates[0]! };
  return candidates.length === 0 ? { none: true } : { ambiguous: candidates };
}

function describeWorkflow(w: WorkflowRecord): string {
  const schedule = w.definition.schedule ? `, schedule ${w.definition.schedule.cron}` : '';
  const twoFactor = w.definition.requires2fa ? ', needs 2FA' : '';
  return `• ${w.definition.name} (${short(w.id)}) — ${w.definition.enabled ? 'enabled' : 'disabled'}${schedule}${twoFactor}`;
}

function describeRun(run: RunRecord, now: number): string {
  const since = Math.max(0, Math.round((now - (run.started_at ?? run.created_at)) / 1000));
  const error = run.status === 'failed' && run.error_code ? ` (${run.error_code})` : '';
  return `• ${short(run.id)} ${run.workflow_name} — ${run.status}${error}, ${since}s ago`;
}

/**
 * Starts a workflow run for the owner's chat. A requires-2FA workflow's run waits in `waiting_2fa`
 * (its approval deadline is the engine's) and the chat is challenged for exactly that run.
 * `announce: false` (free text) leaves the chat to the workflow's own answer: a "Started …" line
 * before every reply in a conversation is noise.
 */
export async function startRun(
  services: GatewayServices,
  ctx: CommandContext,
  workflow: WorkflowRecord,
  input: unknown,
  { announce = true }: { announce?: boolean } = {},
): Promise<void> {
  const engine = services.workflows!;
  if (workflow.definition.requires2fa && !isTotpEnrolled(services.settings)) {
    await ctx.reply(
      `“${workflow.definition.name}” needs a 2FA code, and 2FA is not enrolled: send /setup 2fa first.`,
    );
    return;
  }
  const run = await engine.service.trigger(workflow.id, {
    trigger: 'telegram',
    input: (input ?? null) as never,
    actor: ctx.requester.actor,
    source: ctx.requester.source,
  });
  if (run.status !== 'waiting_2fa') {
    if (!announce) return;
    await ctx.reply(`Started “${workflow.definition.name}”: run ${short(run.id)} (${run.status}).`);
    return;
  }
  await challengeForRun(services, ctx, run);
}

/** Asks the chat for the code that approves exactly this waiting run (its deadline is the engine's). */
async function challengeForRun(
  services: GatewayServices,
  ctx: CommandContext,
  run: RunRecord,
): Promise<void> {
  const deadline = new Date(run.approval_deadline ?? services.now() + services.challengeTtlSeconds * 1000);
  await ctx.challenge(
    {
      kind: WORKFLOW_RUN_KIND,
      args: { runId: run.id, workflowId: run.workflow_id, version: run.workflow_version },
    },
    `run “${run.workflow_name}” (run ${short(run.id)})`,
    deadline,
  );
}

/** The runs in these states whose id starts with the prefix the owner typed (as /runs shows it). */
async function runsByPrefix(
  engine: NonNullable<GatewayServices['workflows']>,
  prefix: string,
  statuses: readonly RunRecord['status'][],
): Promise<RunRecord[]> {
  const lists = await Promise.all(statuses.map((status) => engine.runs.list({ status, limit: 500 })));
  return lists.flat().filter((run) => run.id.startsWith(prefix));
}

const RUN_PREFIX = /^[0-9a-f-]{2,36}$/;

/** `/workflows`, `/run`, `/runs`, `/cancel`. */
export const workflowCommands: CommandGroup = (services) => {
  const engine = (): NonNullable<GatewayServices['workflows']> => {
    if (!services.workflows)
      throw new TalonError('workflows_unavailable', 'Workflows are not available on this node', 503);
    return services.workflows;
  };
  return [
    {
      name: 'workflows',
      usage: '/workflows',
      description: 'every workflow: name, id prefix, enabled, schedule',
      handle: async (ctx) => {
        const all = await engine().workflows.list();
        if (all.length === 0) return ctx.reply('No workflows yet: create one in the admin.');
        await ctx.reply([`${all.length} workflows:`, ...all.map(describeWorkflow)].join('\n'));
      },
    },
    {
      name: 'run',
      usage: RUN_USAGE,
      description: 'start a workflow (a 2FA workflow asks for your code)',
      handle: async (ctx) => {
        const all = await engine().workflows.list();
        // `/run Pay bills` names a workflow with spaces even without quotes when it matches exactly.
        const whole = all.filter((w) => w.definition.name.toLowerCase() === ctx.args.toLowerCase());
        if (whole.length === 1) return startRun(services, ctx, whole[0]!, null);
        const parsed = parseRunArguments(ctx.args);
        if (!parsed.ok) return ctx.reply(parsed.problem);
        const match = findWorkflow(all, parsed.target);
        if ('none' in match)
          return ctx.reply(`No workflow matches “${parsed.target}”. /workflows lists them.`);
        if ('ambiguous' in match) {
          return ctx.reply(
            [
              `“${parsed.target}” matches ${match.ambiguous.length} workflows; say which:`,
              ...match.ambiguous.map(describeWorkflow),
            ].join('\n'),
          );
        }
        await startRun(services, ctx, match.found, parsed.input);
      },
    },
    {
      name: 'runs',
      usage: '/runs [n]',
      description: `the latest runs (${RUNS_DEFAULT} unless you say how many, at most ${RUNS_MAX})`,
      handle: async (ctx) => {
        const wanted = ctx.args === '' ? RUNS_DEFAULT : Number(ctx.args);
        if (!Number.isInteger(wanted) || wanted < 1)
          return ctx.reply(`Usage: /runs [n] — n a whole number from 1 to ${RUNS_MAX}`);
        const runs = await engine().runs.list({ limit: Math.min(wanted, RUNS_MAX) });
        if (runs.length === 0) return ctx.reply('No runs yet.');
        const now = services.now();
        await ctx.reply(
          [`Latest ${runs.length} runs:`, ...runs.map((run) => describeRun(run, now))].join('\n'),
        );
      },
    },
    {
      name: 'cancel',
      usage: '/cancel <run id prefix>',
      description: 'cancel a run that has not finished',
      handle: async (ctx) => {
        const prefix = ctx.args.toLowerCase();
        if (!RUN_PREFIX.test(prefix)) return ctx.reply('Usage: /cancel <run id prefix> (as /runs shows it)');
        const active = await runsByPrefix(engine(), prefix, ['queued', 'running', 'waiting_2fa']);
        if (active.length === 0) return ctx.reply(`No unfinished run starts with ${prefix}.`);
        if (active.length > 1) {
          const now = services.now();
          return ctx.reply(
            [
              `${prefix} matches ${active.length} runs; say which:`,
              ...active.map((run) => describeRun(run, now)),
            ].join('\n'),
          );
        }
        const cancelled = await engine().service.cancelRun(active[0]!.id, 'Cancelled from Telegram');
        await ctx.reply(`Cancelled run ${short(cancelled.id)} of “${cancelled.workflow_name}”.`);
      },
    },
    {
      name: 'approve',
      usage: '/approve <run id prefix>',
      description: 'approve a run that waits for your 2FA code (one a schedule or a webhook started)',
      handle: async (ctx) => {
        const prefix = ctx.args.toLowerCase();
        if (!RUN_PREFIX.test(prefix))
          return ctx.reply('Usage: /approve <run id prefix> (as the announcement or /runs shows it)');
        const waiting = await runsByPrefix(engine(), prefix, ['waiting_2fa']);
        if (waiting.length === 0) return ctx.reply(`No run waiting for a code starts with ${prefix}.`);
        if (waiting.length > 1) {
          const now = services.now();
          return ctx.reply(
            [
              `${prefix} matches ${waiting.length} waiting runs; say which:`,
              ...waiting.map((run) => describeRun(run, now)),
            ].join('\n'),
          );
        }
        await challengeForRun(services, ctx, waiting[0]!);
      },
    },
  ];
};
