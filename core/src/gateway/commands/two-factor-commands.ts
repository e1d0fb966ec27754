import { ENROLMENT_MESSAGE_TTL_SECONDS } from '../limits.ts';
import type { CommandGroup } from './command-table.ts';

export const TOTP_DISABLE_KIND = 'totp.disable';
/** Purpose of the enrolment message in EphemeralMessages: deleted once confirmed, or after 10 minutes. */
export const ENROLMENT_MESSAGE = 'totp_enrolment';

const CODE_ARGUMENT = /^2fa(?:\s+(\S+))?$/i;

/** `/setup 2fa`, `/confirm 2fa <code>`, `/disable 2fa [code]` (without a code: a challenge). */
export const twoFactorCommands: CommandGroup = (services) => [
  {
    name: 'setup',
    usage: '/setup 2fa',
    description: 'enrol 2FA (only while it is not enrolled)',
    handle: async (ctx) => {
      if (!/^2fa$/i.test(ctx.args)) return ctx.reply('Usage: /setup 2fa');
      if (services.twoFactor.status().enrolled) {
        return ctx.reply('2FA is already enrolled. To enrol a new authenticator, send /disable 2fa first.');
      }
      const enrolment = await services.twoFactor.enrol(ctx.requester);
      const messageId = await ctx.replyOnce(
        [
          'Add Talon to your authenticator app with this link, or type the key by hand:',
          enrolment.otpauthUri,
          `key: ${enrolment.secret}`,
          'Then send: /confirm 2fa <the 6-digit code>',
          `This message is deleted once 2FA is confirmed, or after ${ENROLMENT_MESSAGE_TTL_SECONDS / 60} minutes.`,
        ].join('\n'),
      );
      if (messageId !== undefined) {
        await services.ephemeral.remember(
          ctx.chatId,
          messageId,
          ENROLMENT_MESSAGE,
          new Date(services.now() + ENROLMENT_MESSAGE_TTL_SECONDS * 1000),
        );
      }
    },
  },
  {
    name: 'confirm',
    usage: '/confirm 2fa <code>',
    description: 'finish enrolling 2FA with the code your app shows',
    handle: async (ctx) => {
      const code = CODE_ARGUMENT.exec(ctx.args)?.[1];
      if (code === undefined) return ctx.reply('Usage: /confirm 2fa <code>');
      await services.twoFactor.confirm(code, ctx.requester);
      await services.ephemeral.expire(ENROLMENT_MESSAGE);
      await ctx.reply('2FA enabled. Sensitive commands now ask for a code.');
    },
  },
  {
    name: 'disable',
    usage: '/disable 2fa [code]',
    description: 'turn 2FA off (needs a code)',
    handle: async (ctx) => {
      const match = CODE_ARGUMENT.exec(ctx.args);
      if (!match) return ctx.reply('Usage: /disable 2fa <code>');
      if (!services.twoFactor.status().enrolled) return ctx.reply('2FA is not enrolled.');
      const code = match[1];
      if (code === undefined) {
        await ctx.challenge({ kind: TOTP_DISABLE_KIND, args: {} }, 'turn 2FA off');
        return;
      }
      await services.twoFactor.disable(code, ctx.requester);
      await ctx.reply('2FA disabled.');
    },
  },
];
