import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import { AdminSessions } from '../../auth/admin-sessions.ts';
import { isTotpEnrolled } from '../../auth/step-up.ts';
import { TalonError } from '../../errors.ts';
import type { SettingsStore } from '../../settings/store.ts';
import { errorResponses } from '../error-schema.ts';
import { clientAddress } from '../security/client-info.ts';
import { clearSession, sessionIdOf, sessionTag } from '../security/session-cookie.ts';
import {
  endSessionBody,
  sessionIdParams,
  sessionListSchema,
  sessionsEndedSchema,
} from './sessions-schemas.ts';

export interface SessionsRoutesOptions {
  sessions: AdminSessions;
  settings: SettingsStore;
  audit: AuditLog;
}

/**
 * The Sessions screen: the open admin sessions, "end this session" and "end all others". Ending a
 * session other than your own needs a fresh 2FA code once 2FA is enrolled: a stolen session must not
 * be able to throw the owner out (the owner, who has the code, can throw a thief out).
 */
export const sessionsRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: SessionsRoutesOptions }> = async (
  app,
  { sessions, settings, audit },
) => {
  app.get(
    '/api/sessions',
    { schema: { response: { 200: sessionListSchema, ...errorResponses } } },
    async (request) => {
      const own = sessionIdOf(request);
      const ownId = own === undefined ? undefined : AdminSessions.idOf(own);
      return {
        sessions: (await sessions.list()).map((session) => ({
          id: session.id,
          source: session.source,
          userAgent: session.userAgent,
          createdAt: session.createdAt.toISOString(),
          lastSeenAt: session.lastSeenAt.toISOString(),
          current: session.id === ownId,
        })),
        codeRequired: isTotpEnrolled(settings),
      };
    },
  );

  const stepUp = (request: Parameters<typeof sessionIdOf>[0], code: string | undefined, target: string) =>
    app.stepUp.verify({
      action: 'sessions.end',
      // Before 2FA is enrolled there is nothing to step up with: ending sessions still works.
      whenNotEnrolled: 'allow',
      code,
      actor: 'admin',
      source: clientAddress(request, settings),
      session: sessionTag(request),
      target,
    });

  app.post(
    '/api/sessions/:id/end',
    {
      schema: {
        params: sessionIdParams,
        body: endSessionBody,
        response: { 200: sessionsEndedSchema, ...errorResponses },
      },
    },
    async (request) => {
      const own = sessionIdOf(request);
      const isOwn = own !== undefined && AdminSessions.idOf(own) === request.params.id;
      if (!isOwn) await stepUp(request, request.body?.totpCode, request.params.id.slice(0, 12));
      const ended = await sessions.endById(request.params.id, 'ended_by_owner');
      if (!ended)
        throw new TalonError('session_not_found', 'That session is not open (it ended already)', 404);
      if (isOwn) clearSession(request);
      await audit.record({
        actor: 'admin',
        action: 'auth.session_end',
        target: request.params.id.slice(0, 12),
        outcome: 'succeeded',
        source: clientAddress(request, settings),
        details: { own: isOwn },
      });
      return { ended: 1 };
    },
  );

  app.post(
    '/api/sessions/end-others',
    { schema: { body: endSessionBody, response: { 200: sessionsEndedSchema, ...errorResponses } } },
    async (request) => {
      const own = sessionIdOf(request);
      if (own === undefined) throw new TalonError('unauthenticated', 'Log in first', 401);
      await stepUp(request, request.body?.totpCode, 'all others');
      const ended = await sessions.endAllBut(own, 'ended_by_owner');
      await audit.record({
        actor: 'admin',
        action: 'auth.session_end',
        target: 'all others',
        outcome: 'succeeded',
        source: clientAddress(request, settings),
        details: { ended },
      });
      return { ended };
    },
  );
};
