import type { FastifyInstance } from 'fastify';
import type { Announcements } from '../announcements/announcements.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { AdminPassword } from '../auth/admin-password.ts';
import { AdminSessions } from '../auth/admin-sessions.ts';
import { startAuthHousekeeping } from '../auth/auth-housekeeping.ts';
import { LoginBudget } from '../auth/login-budget.ts';
import { LoginRateLimiter } from '../auth/login-rate-limiter.ts';
import { LoginService, type Pause } from '../auth/login.ts';
import { StepUp, type StepUpVerifier } from '../auth/step-up.ts';
import { TotpGuard } from '../auth/totp-guard.ts';
import { TwoFactor } from '../auth/two-factor.ts';
import type { TalonConfig } from '../config/env.ts';
import type { DatabasePool } from '../db/pool.ts';
import type { Logger } from '../logging/logger.ts';
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
  config: TalonConfig;
  logger: Logger;
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
  /** The resolved SECRET_KEY_BASE (the session key is derived from it with its own label). */
  secretKeyBase: string;
  /** Wraps the step-up `app.stepUp` hands out (codes approved from Telegram); none by default. */
  wrapStepUp?: (stepUp: StepUpVerifier) => StepUpVerifier;
  /** Where the owner is told what happened (a login budget used up...); none: only the audit log. */
  announcements?: Announcements | undefined;
  /** The clock and the pause of the global login budget; tests pass ones that do not wait. */
  loginTiming?: { now?: () => number; pause?: Pause } | undefined;
}

export interface AuthServices {
  sessions: AdminSessions;
  login: LoginService;
  limiter: LoginRateLimiter;
  stepUp: StepUp;
  twoFactor: TwoFactor;
}

export function createAuthServices(deps: AdminSecurityDependencies): AuthServices {
  const guard = new TotpGuard(deps.pool);
  const limiter = new LoginRateLimiter(deps.pool, deps.settings);
  const stepUp = new StepUp({
    settings: deps.settings,
    guard,
    audit: deps.audit,
    announcements: deps.announcements,
  });
  return {
    sessions: new AdminSessions(deps.pool, deps.settings),
    limiter,
    login: new LoginService({
      password: new AdminPassword(deps.config.adminPassword),
      limiter,
      budget: new LoginBudget({ pool: deps.pool, settings: deps.settings, now: deps.loginTiming?.now }),
      audit: deps.audit,
      logger: deps.logger,
      announcements: deps.announcements,
      pause: deps.loginTiming?.pause,
    }),
    stepUp,
    twoFactor: new TwoFactor({
      settings: deps.settings,
      guard,
      stepUp,
      audit: deps.audit,
      issuer: deps.config.totpIssuer,
    }),
  };
}

/**
 * Everything between the network and the routes, on the root instance so it covers every route
 * any plugin registers later: general rate limit, security headers, the session cookie, deny-by-
 * default route protection with CSRF checks, JSON-only bodies, and `app.stepUp`. Call it first.
 */
export async function installAdminSecurity(
  app: FastifyInstance,
  deps: AdminSecurityDependencies,
): Promise<AuthServices> {
  const services = createAuthServices(deps);
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  await registerApiRateLimit(app, deps.settings);
  await registerSecurityHeaders(app);
  await registerSessionCookie(app, deps.secretKeyBase, deps.settings);
  installRouteProtection(app, services.sessions);
  // API answers (settings, the 2FA secret at enrolment) are never kept by a browser or proxy cache.
  app.addHook('onSend', async (request, reply) => {
    if (isApiPath(request.url) && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
  });
  // JSON only: text/plain is the body type a cross-site form can send without a preflight.
  app.removeContentTypeParser('text/plain');
  app.decorate('stepUp', deps.wrapStepUp ? deps.wrapStepUp(services.stepUp) : services.stepUp);
  const stopHousekeeping = startAuthHousekeeping(deps.pool, deps.settings, deps.logger);
  app.addHook('onClose', async () => stopHousekeeping());
  return services;
}
