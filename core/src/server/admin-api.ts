import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from './app.ts';
import { authRoutes } from './routes/auth.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { settingsRoutes } from './routes/settings.ts';
import { totpRoutes } from './routes/totp.ts';

/** The admin's own API: login and session, 2FA, settings, dashboard, and /metrics. */
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
  });
  await app.register(metricsRoutes, { pool: deps.pool, sessions: auth.sessions });
}
