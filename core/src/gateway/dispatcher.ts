import { randomBytes } from 'node:crypto';
import { Composer, type Context } from 'grammy';
import { isTotpEnrolled } from '../auth/step-up.ts';
import { errorMessage, TalonError } from '../errors.ts';
import type { ChallengeAction } from './challenges.ts';
import { challengeHandlers, type ChallengeHandler } from './commands/challenge-handlers.ts';
import type { CommandContext, CommandEntry, GatewayServices } from './commands/command-table.ts';
import { findWorkflow, startRun } from './commands/workflow-commands.ts';
import { hashAction } from './challenges.ts';

/** How the dispatcher talks back: plain text to the owner's chat (split when long). */
export interface OwnerChannel {
  send(chatId: string, text: string): Promise<void>;
  /** One plain message; answers its id. */
  sendOnce(chatId: string, text: string): Promise<number | undefined>;
}

const CODE_MESSAGE = /^\d{6}$/;
/** Step-up refusals that count as a wrong code for the challenge. */
const WRONG_CODE_ERRORS: ReadonlySet<string> = new Set(['totp_invalid', 'totp_replayed', 'totp_required']);

/**
 * Turns the owner's messages into actions: a 6-digit message answers the chat's pending
 * challenge, a command runs its entry of the table, other text goes to the free-text workflow when
 * one is set. Deterministic: no model decides what runs. A handler that throws answers with an
 * error id and the gateway goes on.
 */
export class Dispatcher {
  readonly #services: GatewayServices;
  readonly #table: readonly CommandEntry[];
  readonly #handlers: Record<string, ChallengeHandler>;
  readonly #channel: OwnerChannel;
  readonly composer = new Composer<Context>();

  constructor(services: GatewayServices, table: readonly CommandEntry[], channel: OwnerChannel) {
    this.#services = services;
    this.#table = table;
    this.#handlers = challengeHandlers(services);
    this.#channel = channel;
    this.composer.on('message:text', async (ctx, next) => {
      const text = ctx.message.text.trim();
      if (CODE_MESSAGE.test(text) && (await this.#answerChallenge(this.#context(ctx, ''), text))) return;
      await next();
    });
    for (const entry of table) {
      this.composer.command(entry.name, (ctx) => {
        const context = this.#context(ctx, typeof ctx.match === 'string' ? ctx.match.trim() : '');
        return this.#guarded(context, () => entry.handle(context));
      });
    }
    this.composer.on('message:text', (ctx) => {
      const context = this.#context(ctx, ctx.message.text.trim());
      return this.#guarded(context, () => this.#freeText(context));
    });
  }

  get commands(): readonly CommandEntry[] {
    return this.#table;
  }

  #context(ctx: Context, args: string): CommandContext {
    const chatId = String(ctx.chat!.id);
    return {
      chatId,
      args,
      requester: { actor: `telegram:${chatId}`, source: chatId },
      reply: (text) => this.#channel.send(chatId, text),
      replyOnce: (text) => this.#channel.sendOnce(chatId, text),
      challenge: (action, description, expiresAt) => this.#challenge(chatId, action, description, expiresAt),
    };
  }

  async #challenge(
    chatId: string,
    action: ChallengeAction,
    description: string,
    expiresAt?: Date,
  ): Promise<void> {
    const services = this.#services;
    if (!isTotpEnrolled(services.settings)) {
      await this.#channel.send(
        chatId,
        `“${description}” needs a 2FA code, and 2FA is not enrolled: send /setup 2fa first.`,
      );
      return;
    }
    const expires = expiresAt ?? new Date(services.now() + services.challengeTtlSeconds * 1000);
    await services.challenges.open(chatId, action, description, expires);
    const seconds = Math.max(1, Math.round((expires.getTime() - services.now()) / 1000));
    await this.#channel.send(
      chatId,
      `To ${description}, send the 6-digit code from your authenticator app within ${seconds} s.`,
    );
  }

  /** True when the message was a code for a pending challenge (answered either way). */
  async #answerChallenge(ctx: CommandContext, code: string): Promise<boolean> {
    const { challenges } = this.#services;
    const challenge = await challenges.pending(ctx.chatId);
    if (!challenge) return false;
    await this.#guarded(ctx, async () => {
      if (challenges.isExpired(challenge)) {
        await challenges.take(challenge);
        return ctx.reply(`That request (${challenge.description}) expired: send the command again.`);
      }
      const handler = this.#handlers[challenge.action.kind];
      // A row that no longer matches its hash was altered: refuse rather than act on it.
      if (!handler || hashAction(challenge.action) !== challenge.actionHash) {
        await challenges.take(challenge);
        return ctx.reply('That request cannot be approved any more: send the command again.');
      }
      try {
        const reply = await handler(code, challenge, ctx.requester);
        await challenges.take(challenge);
        await ctx.reply(reply);
      } catch (error) {
        if (!(error instanceof TalonError) || !WRONG_CODE_ERRORS.has(error.code)) {
          await challenges.take(challenge);
          throw error;
        }
        const outcome = await challenges.wrongCode(challenge);
        await ctx.reply(
          outcome.cancelled
            ? `${error.message}. Too many wrong codes: the request (${challenge.description}) is cancelled.`
            : `${error.message}. ${outcome.attemptsLeft} attempts left.`,
        );
      }
    });
    return true;
  }

  async #freeText(ctx: CommandContext): Promise<void> {
    if (ctx.args.startsWith('/')) {
      await ctx.reply(`Unknown command ${ctx.args.split(/\s/, 1)[0]}. /help lists the commands.`);
      return;
    }
    const workflowName = this.#services.settings.getString('telegram.free_text_workflow').trim();
    if (workflowName === '' || !this.#services.workflows) {
      await ctx.reply('I only understand commands: /help lists them.');
      return;
    }
    const match = findWorkflow(await this.#services.workflows.workflows.list(), workflowName);
    if (!('found' in match)) {
      await ctx.reply(
        `The free-text workflow “${workflowName}” was not found: check telegram.free_text_workflow in the admin.`,
      );
      return;
    }
    await startRun(
      this.#services,
      ctx,
      match.found,
      { text: ctx.args, chatId: ctx.chatId },
      { announce: false },
    );
  }

  /** Runs a handler; a TalonError is answered with its message, anything else with an error id. */
  async #guarded(ctx: CommandContext, handler: () => Promise<unknown>): Promise<void> {
    try {
      await handler();
    } catch (error) {
      if (error instanceof TalonError && error.statusCode < 500) {
        await ctx.reply(error.message).catch(() => undefined);
        return;
      }
      const errorId = randomBytes(4).toString('hex');
      this.#services.logger.error({ errorId, reason: errorMessage(error) }, 'a Telegram command failed');
      await ctx.reply(`Something went wrong (error id ${errorId}).`).catch(() => undefined);
    }
  }
}
