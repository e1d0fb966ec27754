import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyRequest } from 'fastify';
import type { TwoFactor } from '../../auth/two-factor.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { clientAddress } from '../security/client-info.ts';
import { sessionTag } from '../security/session-cookie.ts';
import { errorResponses } from '../error-schema.ts';
import {
  totpConfirmBodySchema,
  totpDisableBodySchema,
  totpEnrolledSchema,
  totpEnrolmentSchema,
  totpStatusSchema,
} from './totp-schemas.ts';

export interface TotpRoutesOptions {
  twoFactor: TwoFactor;
  settings: SettingsStore;
}

/** The 2FA screens' API (session required, CSRF checked, every outcome audited). */
export const totpRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: TotpRoutesOptions }> = async (
  app,
  { twoFactor, settings },
) => {
  const who = (request: FastifyRequest) => ({
    actor: 'admin',
    source: clientAddress(request, settings),
    session: sessionTag(request),
  });

  app.get(
    '/api/auth/totp',
    { schema: { response: { 200: totpStatusSchema, ...errorResponses } } },
    async () => twoFactor.status(),
  );

  app.post(
    '/api/auth/totp/enrol',
    { schema: { response: { 200: totpEnrolmentSchema, ...errorResponses } } },
    async (request) => twoFactor.enrol(who(request)),
  );

  app.post(
    '/api/auth/totp/confirm',
    {
      schema: {
        body: totpConfirmBodySchema,
        response: { 200: totpEnrolledSchema, ...errorResponses },
      },
    },
    async (request) => {
      await twoFactor.confirm(request.body.code, who(request));
      return { enrolled: true };
    },
  );

  app.post(
    '/api/auth/totp/disable',
    {
      schema: {
        body: totpDisableBodySchema,
        response: { 200: totpEnrolledSchema, ...errorResponses },
      },
    },
    async (request) => {
      await twoFactor.disable(request.body.totpCode, who(request));
      return { enrolled: false };
    },
  );
};
