import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from './app.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { sessionsRoutes } from './routes/sessions.ts';
import { settingsRoutes } from './routes/settings.ts';
import { totpRoutes } from './routes/totp.ts';

/** The admin's own API: login and session, 2FA, settings, dashboard, audit log, sessions, and /metrics. */
export async function registerAdminApi(app: FastifyInstance, deps: AppDependencies): Promise<void> {
  const { auth } = deps.services;
  await app.register(authRoutes, {
    login: auth.login,
    sessions: auth.sessions,
    twoFactor: auth.twoFactor,
    settings: deps.settings,
    audit: deps.audit,
    adminPasswordSet: deps.config.adminPassword !== undefined && deps.config.adminPassword !== '',
  });
  await app.register(totpRoutes, { twoFactor: auth.twoFactor, settings: deps.settings });
  await app.register(settingsRoutes, { settings: deps.settings, audit: deps.audit });
  await app.register(dashboardRoutes, {
    pool: deps.pool,
    audit: deps.audit,
    settings: deps.settings,
    sandboxWall: deps.sandboxWall,
    operations: deps.operations,
  });
  await app.register(auditRoutes, { pool: deps.pool });
  await app.register(sessionsRoutes, { sessions: auth.sessions, settings: deps.settings, audit: deps.audit });
  await app.register(metricsRoutes, { pool: deps.pool, sessions: auth.sessions });
}
