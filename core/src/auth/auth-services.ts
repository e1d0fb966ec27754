import type { Announcements } from '../announcements/announcements.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { TalonConfig } from '../config/env.ts';
import type { DatabasePool } from '../db/pool.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { AdminPassword } from './admin-password.ts';
import { AdminSessions } from './admin-sessions.ts';
import { LoginBudget } from './login-budget.ts';
import { LoginRateLimiter } from './login-rate-limiter.ts';
import { LoginService, type Pause } from './login.ts';
import { StepUp } from './step-up.ts';
import { TotpGuard } from './totp-guard.ts';
import { TwoFactor } from './two-factor.ts';

export interface AuthServicesDependencies {
  config: TalonConfig;
  logger: Logger;
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
  /** Where the owner is told what happened (a login budget used up...); none: only the audit log. */
  announcements?: Announcements | undefined;
  /** The clock and the pause of the global login budget; tests pass ones that do not wait. */
  loginTiming?: { now?: () => number; pause?: Pause } | undefined;
}

/** The admin's sessions, login, its rate limits, 2FA enrolment and the step-up behind every sensitive action. */
export interface AuthServices {
  sessions: AdminSessions;
  login: LoginService;
  limiter: LoginRateLimiter;
  stepUp: StepUp;
  twoFactor: TwoFactor;
}

export function createAuthServices(deps: AuthServicesDependencies): AuthServices {
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
