import type { FastifyPluginAsync } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { AdminSessions } from '../../auth/admin-sessions.ts';
import type { LoginService } from '../../auth/login.ts';
import type { TwoFactor } from '../../auth/two-factor.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { clientAddress } from '../security/client-info.ts';
import { csrfTokenFor } from '../security/csrf.ts';
import { clearSession, rotateSession, sessionIdOf } from '../security/session-cookie.ts';

export interface AuthRoutesOptions {
  login: LoginService;
  sessions: AdminSessions;
  twoFactor: TwoFactor;
  settings: SettingsStore;
  audit: AuditLog;
  adminPasswordSet: boolean;
}

/** A password longer than this is not a password; the body cap keeps the attempt cheap. */
const MAX_PASSWORD_LENGTH = 1024;

const sessionResponse = {
  type: 'object',
  required: ['authenticated', 'adminPasswordSet', 'csrfToken'],
  additionalProperties: false,
  properties: {
    authenticated: { type: 'boolean' },
    adminPasswordSet: { type: 'boolean' },
    csrfToken: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
    totpEnrolled: { type: 'boolean' },
  },
} as const;

const loginBody = {
  type: 'object',
  required: ['password'],
  additionalProperties: false,
  properties: { password: { type: 'string', maxLength: MAX_PASSWORD_LENGTH } },
} as const;

const loginResponse = {
  type: 'object',
  required: ['authenticated', 'csrfToken'],
  additionalProperties: false,
  properties: { authenticated: { type: 'boolean', const: true }, csrfToken: { type: 'string' } },
} as const;

/** `GET /api/auth/session`, `POST /api/auth/login`, `POST /api/auth/logout` (all public, see public-routes.ts). */
export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, options) => {
  app.get('/api/auth/session', { schema: { response: { 200: sessionResponse } } }, async (request) => {
    const session = request.adminSession;
    return {
      authenticated: session !== null,
      adminPasswordSet: options.adminPasswordSet,
      csrfToken: csrfTokenFor(request),
      ...(session === null
        ? {}
        : { expiresAt: session.expiresAt.toISOString(), totpEnrolled: options.twoFactor.status().enrolled }),
    };
  });

  app.post<{ Body: { password: string } }>(
    '/api/auth/login',
    { bodyLimit: 4096, schema: { body: loginBody, response: { 200: loginResponse } } },
    async (request) => {
      const source = clientAddress(request, options.settings);
      await options.login.attempt(request.body.password, source);
      const previous = sessionIdOf(request);
      if (previous !== undefined) await options.sessions.end(previous, 'replaced');
      rotateSession(request, await options.sessions.open(source, request.headers['user-agent']));
      return { authenticated: true as const, csrfToken: csrfTokenFor(request) };
    },
  );

  app.post('/api/auth/logout', async (request, reply) => {
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
    return reply.status(204).send();
  });
};
