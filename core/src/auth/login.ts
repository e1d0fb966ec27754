import type { AuditEvent, AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../logging/logger.ts';
import type { AdminPassword } from './admin-password.ts';
import { AuthError, describeWait } from './auth-errors.ts';
import type { LoginAttempt, LoginRateLimiter } from './login-rate-limiter.ts';

export const ADMIN_PASSWORD_NOT_SET_MESSAGE =
  'ADMIN_PASSWORD is not set: set it in the environment and restart Talon';

type AuditFields = Pick<AuditEvent, 'outcome' | 'reason' | 'details'>;

interface Decision {
  denial: AuthError | undefined;
  audit: AuditFields[];
}

/**
 * Checks a login attempt: the address's rate limit first (a blocked address is refused even with
 * the right password), then the password. Resolves on success; throws an AuthError otherwise.
 * Failures, successes and the start of a block are audited. Opening the session is the caller's
 * job (it owns the cookie).
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
    // The transaction must commit what it counted, so denials are returned from it and thrown
    // after. Audit entries are written after it too: they need a pool connection of their own, and
    // waiting for one while holding the address lock could starve the pool under a flood.
    const { denial, audit } = await this.#limiter.withAddressLock(source, (attempt) =>
      this.#decide(attempt, submitted, source),
    );
    for (const entry of audit) {
      await this.#audit.record({ actor: 'admin', action: 'auth.login', source, ...entry });
    }
    if (denial) throw denial;
  }

  async #decide(attempt: LoginAttempt, submitted: string, source: string): Promise<Decision> {
    const gate = await attempt.gate();
    if (gate.blocked) {
      // Attempts during a block are only logged: audited one by one, a flood would fill the table.
      this.#logger.warn(
        { source, retryAfterSeconds: gate.retryAfterSeconds },
        'login refused: address is blocked',
      );
      return {
        denial: blocked(gate.retryAfterSeconds),
        audit: gate.blockStartedNow ? [blockEntry(gate.retryAfterSeconds)] : [],
      };
    }
    if (!this.#password.isSet) {
      // Not the visitor's fault, so not counted against the address (as in AlexClaw).
      return {
        denial: new AuthError('admin_password_not_set', ADMIN_PASSWORD_NOT_SET_MESSAGE, 401),
        audit: [{ outcome: 'denied', reason: 'admin_password_not_set' }],
      };
    }
    if (this.#password.matches(submitted)) {
      await attempt.recordSuccess();
      return { denial: undefined, audit: [{ outcome: 'succeeded' }] };
    }
    const failure = await attempt.recordFailure();
    return {
      denial: new AuthError('invalid_password', 'Invalid password', 401),
      audit: [
        {
          outcome: 'failed',
          reason: 'invalid_password',
          details: { failuresInWindow: failure.failuresInWindow, maxAttempts: attempt.limits.maxAttempts },
        },
        ...(failure.blockedForSeconds === undefined ? [] : [blockEntry(failure.blockedForSeconds)]),
      ],
    };
  }
}

/** The moment an address gets blocked. */
function blockEntry(blockedForSeconds: number): AuditFields {
  return { outcome: 'denied', reason: 'rate_limited', details: { blockedForSeconds } };
}

function blocked(retryAfterSeconds: number): AuthError {
  return new AuthError(
    'rate_limited',
    `Too many failed login attempts from your address: try again ${describeWait(retryAfterSeconds)}`,
    429,
    retryAfterSeconds,
  );
}
