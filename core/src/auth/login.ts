import type { AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../logging/logger.ts';
import type { AdminPassword } from './admin-password.ts';
import { AuthError, describeWait } from './auth-errors.ts';
import type { LoginRateLimiter } from './login-rate-limiter.ts';

export const ADMIN_PASSWORD_NOT_SET_MESSAGE =
  'ADMIN_PASSWORD is not set: set it in the environment and restart Talon';

/**
 * Checks a login attempt: the address's rate limit first (a blocked address is refused even with
 * the right password), then the password. Resolves on success; throws an AuthError otherwise.
 * Every outcome is audited. Opening the session is the caller's job (it owns the cookie).
 */
export class LoginService {
  readonly #password: AdminPassword;
  readonly #limiter: LoginRateLimiter;
  readonly #audit: AuditLog;
  readonly #logger: Logger;

  constructor(options: {
    password: AdminPassword;
    limiter: LoginRateLimiter;
    audit: AuditLog;
    logger: Logger;
  }) {
    this.#password = options.password;
    this.#limiter = options.limiter;
    this.#audit = options.audit;
    this.#logger = options.logger;
  }

  async attempt(submitted: string, source: string): Promise<void> {
    const audit = (
      outcome: 'succeeded' | 'failed' | 'denied',
      reason?: string,
      details?: Record<string, unknown>,
    ) => this.#audit.record({ actor: 'admin', action: 'auth.login', outcome, reason, source, details });

    // The transaction must commit what it counted, so denials are returned from it and thrown after.
    const denial = await this.#limiter.withAddressLock(
      source,
      async (attempt): Promise<AuthError | undefined> => {
        const gate = await attempt.gate();
        if (gate.blocked) {
          this.#logger.warn(
            { source, retryAfterSeconds: gate.retryAfterSeconds },
            'login refused: address is blocked',
          );
          if (gate.blockStartedNow)
            await audit('denied', 'rate_limited', { blockedForSeconds: gate.retryAfterSeconds });
          return blocked(gate.retryAfterSeconds);
        }
        if (!this.#password.isSet) {
          // Not the visitor's fault, so not counted against the address (as in AlexClaw).
          await audit('denied', 'admin_password_not_set');
          return new AuthError('admin_password_not_set', ADMIN_PASSWORD_NOT_SET_MESSAGE, 401);
        }
        if (this.#password.matches(submitted)) {
          await attempt.recordSuccess();
          await audit('succeeded');
          return undefined;
        }
        const failure = await attempt.recordFailure();
        await audit('failed', 'invalid_password', {
          failuresInWindow: failure.failuresInWindow,
          maxAttempts: attempt.limits.maxAttempts,
          ...(failure.blockedForSeconds === undefined
            ? {}
            : { blockedForSeconds: failure.blockedForSeconds }),
        });
        return new AuthError('invalid_password', 'Invalid password', 401);
      },
    );
    if (denial) throw denial;
  }
}

function blocked(retryAfterSeconds: number): AuthError {
  return new AuthError(
    'rate_limited',
    `Too many failed login attempts from your address: try again ${describeWait(retryAfterSeconds)}`,
    429,
    retryAfterSeconds,
  );
}
