import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../app-services.ts';
import type { StepUpVerifier } from '../auth/step-up.ts';
import type { SettingsStore } from '../settings/store.ts';
import { isApiPath } from './public-routes.ts';
import { registerApiRateLimit } from './security/api-rate-limit.ts';
import { installRouteProtection } from './security/route-protection.ts';
import { registerSecurityHeaders } from './security/security-headers.ts';
import { registerSessionCookie } from './security/session-cookie.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Demands a fresh TOTP code before a sensitive action; see auth/step-up.ts. */
    stepUp: StepUpVerifier;
    /** Every route registered after the security hooks, in order: what the route-table test walks. */
    registeredRoutes: readonly RegisteredRoute[];
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
}

export interface AdminSecurityDependencies {
  settings: SettingsStore;
  /** The resolved SECRET_KEY_BASE (the session key is derived from it with its own label). */
  secretKeyBase: string;
  /** Built by boot.ts (or a test factory) with `createAppServices`: sessions and the shared step-up. */
  services: AppServices;
}

/**
 * Everything between the network and the routes, on the root instance so it covers every route
 * any plugin registers later: general rate limit, security headers, the session cookie, deny-by-
 * default route protection with CSRF checks, JSON-only bodies, and `app.stepUp`. Call it first.
 */
export async function installAdminSecurity(
  app: FastifyInstance,
  deps: AdminSecurityDependencies,
): Promise<void> {
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  await registerApiRateLimit(app, deps.settings);
  await registerSecurityHeaders(app);
  await registerSessionCookie(app, deps.secretKeyBase, deps.settings);
  installRouteProtection(app, deps.services.auth.sessions);
  // API answers (settings, the 2FA secret at enrolment) are never kept by a browser or proxy cache.
  app.addHook('onSend', async (request, reply) => {
    if (isApiPath(request.url) && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
  });
  // JSON only: text/plain is the body type a cross-site form can send without a preflight.
  app.removeContentTypeParser('text/plain');
  app.decorate('stepUp', deps.services.stepUp);
}
