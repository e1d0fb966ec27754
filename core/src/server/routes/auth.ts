import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { AdminSessions } from '../../auth/admin-sessions.ts';
import type { LoginService } from '../../auth/login.ts';
import type { TwoFactor } from '../../auth/two-factor.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { clientAddress } from '../security/client-info.ts';
import { csrfTokenFor } from '../security/csrf.ts';
import { clearSession, rotateSession, sessionIdOf } from '../security/session-cookie.ts';
import { errorResponses, noContentSchema } from '../error-schema.ts';
import { loginBodySchema, loginResponseSchema, sessionResponseSchema } from './auth-schemas.ts';

export interface AuthRoutesOptions {
  login: LoginService;
  sessions: AdminSessions;
  twoFactor: TwoFactor;
  settings: SettingsStore;
  audit: AuditLog;
  adminPasswordSet: boolean;
}

/** `GET /api/auth/session`, `POST /api/auth/login`, `POST /api/auth/logout` (all public, see public-routes.ts). */
export const authRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: AuthRoutesOptions }> = async (
  app,
  options,
) => {
  app.get(
    '/api/auth/session',
    { schema: { response: { 200: sessionResponseSchema, ...errorResponses } } },
    async (request) => {
      const session = request.adminSession;
      return {
        authenticated: session !== null,
        adminPasswordSet: options.adminPasswordSet,
        csrfToken: csrfTokenFor(request),
        ...(session === null
          ? {}
          : {
              expiresAt: session.expiresAt.toISOString(),
              totpEnrolled: options.twoFactor.status().enrolled,
            }),
      };
    },
  );

  app.post(
    '/api/auth/login',
    {
      bodyLimit: 4096,
      schema: { body: loginBodySchema, response: { 200: loginResponseSchema, ...errorResponses } },
    },
    async (request) => {
      const source = clientAddress(request, options.settings);
      await options.login.attempt(request.body.password, source);
      const previous = sessionIdOf(request);
      if (previous !== undefined) await options.sessions.end(previous, 'replaced');
      rotateSession(request, await options.sessions.open(source, request.headers['user-agent']));
      return { authenticated: true as const, csrfToken: csrfTokenFor(request) };
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { response: { 204: noContentSchema, ...errorResponses } } },
    async (request, reply) => {
      const sessionId = sessionIdOf(request);
      if (sessionId !== undefined) {
        await options.sessions.end(sessionId, 'logout');
        await options.audit.record({
          actor: 'admin',
          action: 'auth.logout',
          outcome: 'succeeded',
          source: clientAddress(request, options.settings),
        });
      }
      clearSession(request);
      return reply.status(204).send(null);
    },
  );
};
