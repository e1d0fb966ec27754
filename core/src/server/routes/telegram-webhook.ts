import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { Update } from 'grammy/types';
import { TalonError } from '../../errors.ts';
import type { TelegramGateway } from '../../gateway/gateway.ts';
import { errorResponses } from '../error-schema.ts';

export interface TelegramWebhookOptions {
  /** Absent on a node without Telegram: the route still exists (it is on the public list) and answers 404. */
  gateway?: TelegramGateway | undefined;
}

/** The header Telegram sends with each webhook call: the `secret_token` given to setWebhook. */
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * `POST /webhooks/telegram`: public (Telegram cannot log in), answered only in webhook mode and
 * only when the secret header matches `telegram.webhook_secret`. A forged or misdirected call gets
 * 401 and is counted; the update itself goes through the same owner check as a polled one.
 */
export const telegramWebhookRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: TelegramWebhookOptions;
}> = async (app, { gateway }) => {
  app.post<{ Body: Update }>(
    '/webhooks/telegram',
    {
      schema: {
        body: {
          type: 'object',
          required: ['update_id'],
          // Telegram adds fields over time; the gateway reads only what it knows.
          additionalProperties: true,
          properties: { update_id: { type: 'integer', minimum: 0 } },
        },
        response: { 200: { type: 'object', additionalProperties: false, properties: {} }, ...errorResponses },
      },
    },
    async (request) => {
      const header = request.headers[TELEGRAM_SECRET_HEADER];
      const outcome = gateway
        ? await gateway.receiveWebhook(typeof header === 'string' ? header : undefined, request.body)
        : 'not_webhook';
      if (outcome === 'not_webhook') {
        throw new TalonError('telegram_webhook_off', 'Telegram webhook mode is not active on this node', 404);
      }
      if (outcome === 'forbidden') {
        throw new TalonError(
          'telegram_webhook_secret',
          'Missing or wrong X-Telegram-Bot-Api-Secret-Token',
          401,
        );
      }
      return {};
    },
  );
};
