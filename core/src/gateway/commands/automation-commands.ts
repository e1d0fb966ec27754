/**
 * `/record <url>`, `/record stop <id>`, `/replay <recipe> [JSON parameters]` and `/automations`:
 * the browser sidecar from the owner's chat. Both ways of starting the browser are sensitive and
 * open a 2FA challenge, like `/run` of a workflow that requires 2FA: `/record` one bound to its
 * URL (the recording is then acted on in the admin's live view, which the reply links to) and
 * `/replay` one bound to the recipe's current version and those parameters (it types the recipe's
 * secrets into a website). Stopping a recording and listing need no code.
 */
import { isTotpEnrolled } from '../../auth/step-up.ts';
import type { AutomationService } from '../../automation/automation-service.ts';
import { TELEGRAM_LIST_MAX } from '../../automation/limits.ts';
import type { RecipeRecord } from '../../automation/recipe-store.ts';
import { draftSavedText, recipeLine, recordingStartedText } from '../../automation/report-text.ts';
import { TalonError } from '../../errors.ts';
import type { ChallengeHandler } from './challenge-handlers.ts';
import type { CommandContext, CommandGroup, GatewayServices } from './command-table.ts';

export const AUTOMATION_REPLAY_KIND = 'automation.replay';
export const AUTOMATION_RECORD_KIND = 'automation.record';

const RECORD_USAGE = '/record <url> — or /record stop <recording id>';
const REPLAY_USAGE = '/replay <recipe> [JSON parameters, e.g. {"month":"2026-11"}]';

function automationOf(services: GatewayServices): AutomationService {
  if (!services.automation) {
    throw new TalonError('automation_unavailable', 'The browser sidecar is not available on this node', 503);
  }
  return services.automation;
}

function publicUrl(services: GatewayServices): string {
  return services.settings.getString('server.public_url');
}

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `{"month":"2026-11"}` → parameters (strings only); a problem to show otherwise. */
function parseParameters(text: string): Record<string, string> | string {
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `The parameters after the recipe name are not valid JSON. Usage: ${REPLAY_USAGE}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return `The parameters must be a JSON object of strings. Usage: ${REPLAY_USAGE}`;
  }
  const entries = Object.entries(parsed);
  if (entries.some(([, value]) => typeof value !== 'string')) {
    return 'Each parameter must be a string, e.g. {"month":"2026-11"}';
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

async function stopRecording(services: GatewayServices, ctx: CommandContext, prefix: string): Promise<void> {
  const automation = automationOf(services);
  const wanted = prefix.toLowerCase();
  if (!/^[0-9a-f-]{4,36}$/.test(wanted))
    return ctx.reply('Usage: /record stop <recording id> (as /record gave it)');
  const matches = (await automation.recordings()).filter((recording) => recording.id.startsWith(wanted));
  if (matches.length === 0) return ctx.reply(`No recording starts with ${wanted}. /automations lists them.`);
  if (matches.length > 1)
    return ctx.reply(`${wanted} matches ${matches.length} recordings: give more of the id.`);
  const stopped = await automation.stopRecording(matches[0]!.id, ctx.requester);
  await ctx.reply(draftSavedText(stopped.recipe, stopped.notes, publicUrl(services)));
}

/**
 * The sidecar's own refusals (off, not reachable, its token refused) are answers the owner can act
 * on, 5xx or not: they are sent as they are rather than as an error id.
 */
function sayingSidecarErrors(handle: (ctx: CommandContext) => Promise<void>) {
  return async (ctx: CommandContext): Promise<void> => {
    try {
      await handle(ctx);
    } catch (error) {
      if (error instanceof TalonError && error.code.startsWith('sidecar_')) return ctx.reply(error.message);
      throw error;
    }
  };
}

export const automationCommands: CommandGroup = (services) => [
  {
    name: 'record',
    usage: RECORD_USAGE,
    description:
      'record a browser task (asks for your 2FA code): act in the admin’s live view, then stop it into a recipe',
    handle: sayingSidecarErrors(async (ctx) => {
      const [first = '', ...rest] = ctx.args.split(/\s+/).filter((word) => word !== '');
      if (first === 'stop') return stopRecording(services, ctx, rest.join(' '));
      const url = first === 'start' ? (rest[0] ?? '') : first;
      if (!isWebUrl(url)) return ctx.reply(`Usage: ${RECORD_USAGE} (an http or https address)`);
      // No code is asked for a recording that cannot start (no sidecar here, off, not running).
      await automationOf(services).supervisor.endpoint();
      if (!isTotpEnrolled(services.settings)) {
        return ctx.reply('Recording needs a 2FA code, and 2FA is not enrolled: send /setup 2fa first.');
      }
      await ctx.challenge({ kind: AUTOMATION_RECORD_KIND, args: { url } }, `record on ${url}`);
    }),
  },
  {
    name: 'replay',
    usage: REPLAY_USAGE,
    description: 'replay a reviewed browser recipe (asks for your 2FA code)',
    handle: async (ctx) => {
      const automation = automationOf(services);
      const space = ctx.args.search(/\s/);
      const name = (space === -1 ? ctx.args : ctx.args.slice(0, space)).trim();
      if (name === '') return ctx.reply(`Usage: ${REPLAY_USAGE}`);
      const parameters = parseParameters(space === -1 ? '' : ctx.args.slice(space + 1).trim());
      if (typeof parameters === 'string') return ctx.reply(parameters);
      let record: RecipeRecord;
      try {
        record = await automation.recipes.store.byName(name);
      } catch {
        return ctx.reply(`No recipe is named ${name}. /automations lists them.`);
      }
      if (record.status !== 'ready') {
        return ctx.reply(`${record.name} is a draft: review and approve it on the Automations screen first.`);
      }
      if (!isTotpEnrolled(services.settings)) {
        return ctx.reply(
          `Replaying ${record.name} needs a 2FA code, and 2FA is not enrolled: send /setup 2fa first.`,
        );
      }
      await ctx.challenge(
        {
          kind: AUTOMATION_REPLAY_KIND,
          args: { recipeId: record.id, version: record.version, parameters: JSON.stringify(parameters) },
        },
        `replay “${record.name}”`,
      );
    },
  },
  {
    name: 'automations',
    usage: '/automations',
    description: 'recordings in progress and recipes, with their last replay',
    handle: async (ctx) => {
      const automation = automationOf(services);
      const recipes = await automation.recipes.store.list();
      const last = await automation.runs.latestPerRecipe();
      let recordings: string[];
      try {
        recordings = (await automation.recordings())
          .filter((recording) => recording.state !== 'stopped')
          .map(
            (recording) => `• recording ${recording.name} (${recording.id.slice(0, 8)}) on ${recording.url}`,
          );
      } catch (error) {
        recordings = [`(recordings unknown: ${(error as Error).message})`];
      }
      const lines = [
        ...recordings,
        recipes.length === 0 ? 'No recipes yet: /record <url> records one.' : `${recipes.length} recipes:`,
        ...recipes.slice(0, TELEGRAM_LIST_MAX).map((recipe) => recipeLine(recipe, last.get(recipe.id))),
      ];
      await ctx.reply(lines.join('\n'));
    },
  },
];

/**
 * What a code does for `/record`: checked for that URL, then the recording starts; for `/replay`:
 * checked for that recipe version and those parameters, then it runs.
 */
export function automationChallengeHandlers(services: GatewayServices): Record<string, ChallengeHandler> {
  return {
    [AUTOMATION_RECORD_KIND]: async (code, challenge, requester) => {
      const url = String(challenge.action.args['url']);
      const view = await automationOf(services).startRecordingWithCode(url, code, requester);
      return recordingStartedText(view, publicUrl(services));
    },
    [AUTOMATION_REPLAY_KIND]: async (code, challenge, requester) => {
      const automation = automationOf(services);
      const { recipeId, version, parameters } = challenge.action.args;
      const record = await automation.approveReplay(String(recipeId), Number(version), code, requester);
      automation.replayForChat(
        record,
        JSON.parse(String(parameters)) as Record<string, string>,
        challenge.chatId,
      );
      return `Code accepted: replaying ${record.name}. I will send the result here.`;
    },
  };
}
