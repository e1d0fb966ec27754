import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TwoFactor } from '../../auth/two-factor.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';

export interface TotpRoutesOptions {
  twoFactor: TwoFactor;
  settings: SettingsStore;
}

/** Codes are six digits; the cap only keeps junk out (the code check itself says what is wrong). */
const codeProperty = { type: 'string', minLength: 1, maxLength: 32 } as const;

const statusResponse = {
  type: 'object',
  required: ['enrolled', 'pending'],
  additionalProperties: false,
  properties: { enrolled: { type: 'boolean' }, pending: { type: 'boolean' } },
} as const;

const enrolResponse = {
  type: 'object',
  required: ['secret', 'otpauthUri', 'qrSvg'],
  additionalProperties: false,
  properties: { secret: { type: 'string' }, otpauthUri: { type: 'string' }, qrSvg: { type: 'string' } },
} as const;

const enrolledResponse = {
  type: 'object',
  required: ['enrolled'],
  additionalProperties: false,
  properties: { enrolled: { type: 'boolean' } },
} as const;

/** The 2FA screens' API (session required, CSRF checked, every outcome audited). */
export const totpRoutes: FastifyPluginAsync<TotpRoutesOptions> = async (app, { twoFactor, settings }) => {
  const who = (request: FastifyRequest) => ({
    actor: 'admin',
    source: clientAddress(request, settings),
    session: sessionTag(request),
  });

  app.get('/api/auth/totp', { schema: { response: { 200: statusResponse } } }, async () =>
    twoFactor.status(),
  );

  app.post('/api/auth/totp/enrol', { schema: { response: { 200: enrolResponse } } }, async (request) =>
    twoFactor.enrol(who(request)),
  );

  app.post<{ Body: { code: string } }>(
    '/api/auth/totp/confirm',
    {
      schema: {
        body: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: { code: codeProperty },
        },
        response: { 200: enrolledResponse },
      },
    },
    async (request) => {
      await twoFactor.confirm(request.body.code, who(request));
      return { enrolled: true };
    },
  );

  app.post<{ Body: { totpCode: string } }>(
    '/api/auth/totp/disable',
    {
      schema: {
        body: {
          type: 'object',
          required: ['totpCode'],
          additionalProperties: false,
          properties: { totpCode: codeProperty },
        },
        response: { 200: enrolledResponse },
      },
    },
    async (request) => {
      await twoFactor.disable(request.body.totpCode, who(request));
      return { enrolled: false };
    },
  );
};
