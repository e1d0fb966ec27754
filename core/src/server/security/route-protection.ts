import type { FastifyInstance } from 'fastify';
import type { ActiveSession, AdminSessions } from '../../auth/admin-sessions.ts';
import { errorMessage, TalonError } from '../../errors.ts';
import { isApiPath, isPublicPath, isPublicRoute, LOGIN_PAGE } from '../public-routes.ts';
import { isStateChanging, verifyCsrf } from './csrf.ts';
import { clearSession, sessionIdOf } from './session-cookie.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin session this request belongs to; null when it has none (or it ended). */
    adminSession: ActiveSession | null;
  }
}

/** Polled by the admin UI; answering it must not count as activity, or sessions would never idle out. */
export const SESSION_STATUS_ROUTE = '/api/auth/session';

/**
 * Deny by default, for every route of the app whoever registers it: one root hook resumes the
 * session from the cookie, lets through what `public-routes.ts` lists, answers the rest with 401
 * (API) or a redirect to the login page (pages), then checks the CSRF token of every
 * state-changing request. Unmatched URLs are treated the same, so probing learns nothing.
 */
export function installRouteProtection(app: FastifyInstance, sessions: AdminSessions): void {
  app.decorateRequest('adminSession', null);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const routeUrl = request.routeOptions.url;
    const publicRoute = isPublicRoute(request.method, routeUrl);
    const publicPath = isPublicPath(request.method, path);

    request.adminSession = null;
    const sessionId = publicPath ? undefined : sessionIdOf(request);
    if (sessionId !== undefined) {
      const touch = !(request.method === 'GET' && routeUrl === SESSION_STATUS_ROUTE);
      try {
        request.adminSession = (await sessions.resume(sessionId, touch)) ?? null;
        if (request.adminSession === null) clearSession(request);
      } catch (error) {
        // The session cannot be checked: deny, but keep the cookie (it may be valid once the
        // database is back), and let public routes such as /health answer for themselves.
        request.log.error({ reason: errorMessage(error) }, 'could not check the admin session');
        if (publicRoute === undefined) {
          throw new TalonError(
            'session_check_unavailable',
            'Cannot check your session right now (the database is unreachable): try again shortly',
            503,
          );
        }
      }
    }

    if (request.adminSession === null && publicRoute === undefined && !publicPath) {
      if (isApiPath(path)) {
        throw new TalonError('unauthenticated', 'Log in first: this needs the admin session', 401);
      }
      return reply.redirect(LOGIN_PAGE, 302);
    }
    if (isStateChanging(request.method) && publicRoute?.csrfExempt !== true) {
      try {
        verifyCsrf(request);
      } catch (error) {
        // A browser of ours always sends the token: a refusal here is a bug or a cross-site attempt.
        request.log.warn(
          { method: request.method, path, authenticated: request.adminSession !== null },
          'CSRF check failed',
        );
        throw error;
      }
    }
  });
}
