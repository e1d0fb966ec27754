import type { Announcements } from '../announcements/announcements.ts';
import type { AuditEvent, AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../logging/logger.ts';
import { addressKey } from './address-key.ts';
import type { AdminPassword } from './admin-password.ts';
import { AuthError, describeWait } from './auth-errors.ts';
import { MAX_PAUSE_MS, type FailureCount, type LoginBudget } from './login-budget.ts';
import type { LoginAttempt, LoginRateLimiter } from './login-rate-limiter.ts';

export const ADMIN_PASSWORD_NOT_SET_MESSAGE =
  'ADMIN_PASSWORD is not set: set it in the environment and restart Talon';

type AuditFields = Pick<AuditEvent, 'outcome' | 'reason' | 'details'>;

interface Decision {
  denial: AuthError | undefined;
  audit: AuditFields[];
  /** The password was checked and wrong: the attempt keeps counting against the global budget. */
  wrongPassword: boolean;
}

/** Waits before an attempt past the global budget is checked; tests pass one that does not wait. */
export type Pause = (ms: number) => Promise<void>;

const realPause: Pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Checks a login attempt: the address's rate limit first (a blocked address is refused even with
 * the right password), then the global failure budget (past it, the attempt waits its turn), then
 * the password. Resolves on success; throws an AuthError otherwise. Failures, successes, the start
 * of a block and the budget running out are audited; the budget running out is also announced.
 * Opening the session is the caller's job (it owns the cookie).
 *
 * An address is counted by `addressKey` (an IPv6 address by its /64); the audit log keeps the
 * address itself.
 */
export class LoginService {
  readonly #password: AdminPassword;
  readonly #limiter: LoginRateLimiter;
  readonly #budget: LoginBudget;
  readonly #audit: AuditLog;
  readonly #logger: Logger;
  readonly #announcements: Announcements | undefined;
  readonly #pause: Pause;

  constructor(options: {
    password: AdminPassword;
    limiter: LoginRateLimiter;
    budget: LoginBudget;
    audit: AuditLog;
    logger: Logger;
    announcements?: Announcements | undefined;
    pause?: Pause | undefined;
  }) {
    this.#password = options.password;
    this.#limiter = options.limiter;
    this.#budget = options.budget;
    this.#audit = options.audit;
    this.#logger = options.logger;
    this.#announcements = options.announcements;
    this.#pause = options.pause ?? realPause;
  }

  async attempt(submitted: string, source: string): Promise<void> {
    const key = addressKey(source);
    const blockedFor = await this.#limiter.blockedFor(key);
    if (blockedFor !== undefined) {
      this.#logger.warn({ source, retryAfterSeconds: blockedFor }, 'login refused: address is blocked');
      throw blocked(blockedFor);
    }
    const admission = await this.#budget.admit();
    if (!admission.admitted) {
      // Refused unchecked and not audited one by one: a flood would fill the table.
      this.#logger.warn(
        { source, retryAfterSeconds: admission.retryAfterSeconds },
        'login refused: the global failure budget is used up and every turn is taken',
      );
      throw throttled(admission.retryAfterSeconds);
    }
    if (admission.waitMs > 0) await this.#pause(admission.waitMs);

    // The transaction must commit what it counted, so denials are returned from it and thrown
    // after. Audit entries are written after it too: they need a pool connection of their own, and
    // waiting for one while holding the address lock could starve the pool under a flood.
    let decision: Decision;
    try {
      decision = await this.#limiter.withAddressLock(key, (attempt) =>
        this.#decide(attempt, submitted, source),
      );
    } catch (error) {
      await this.#budget.forgive(admission.ticket).catch(() => undefined);
      throw error;
    }
    const budget = decision.wrongPassword ? await this.#budget.countFailure() : undefined;
    if (!decision.wrongPassword) await this.#budget.forgive(admission.ticket);
    for (const entry of decision.audit) {
      await this.#audit.record({ actor: 'admin', action: 'auth.login', source, ...entry });
    }
    if (budget?.exhaustedNow) await this.#budgetExhausted(budget, source);
    if (decision.denial) throw decision.denial;
  }

  async #budgetExhausted(budget: FailureCount, source: string): Promise<void> {
    const minutes = Math.ceil(budget.limits.windowSeconds / 60);
    await this.#audit.record({
      actor: 'admin',
      action: 'auth.login_budget',
      outcome: 'denied',
      reason: 'budget_exhausted',
      source,
      details: { failures: budget.failures, ...budget.limits },
    });
    this.#logger.warn(
      { failures: budget.failures, ...budget.limits },
      'the global login failure budget is used up',
    );
    this.#announcements?.announce({
      kind: 'login_budget_exhausted',
      key: 'login_budget',
      text:
        `${budget.failures} wrong admin passwords in ${minutes} minutes, from all addresses together: ` +
        `every login is now slowed down (up to ${MAX_PAUSE_MS / 1000} s per attempt) until they stop. ` +
        'If that was not you, someone is guessing your password.',
    });
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
        wrongPassword: false,
      };
    }
    if (!this.#password.isSet) {
      // Not the visitor's fault, so not counted against the address (as in AlexClaw).
      return {
        denial: new AuthError('admin_password_not_set', ADMIN_PASSWORD_NOT_SET_MESSAGE, 401),
        audit: [{ outcome: 'denied', reason: 'admin_password_not_set' }],
        wrongPassword: false,
      };
    }
    if (this.#password.matches(submitted)) {
      await attempt.recordSuccess();
      return { denial: undefined, audit: [{ outcome: 'succeeded' }], wrongPassword: false };
    }
    const failure = await attempt.recordFailure();
    return {
      denial: new AuthError('invalid_password', 'Invalid password', 401),
      audit: [
        {
          outcome: 'failed',
          reason: 'invalid_password',
          details: {
            failuresInWindow: failure.failuresInWindow,
            maxAttempts: attempt.limits.maxAttempts,
            // An IPv6 address is counted with the rest of its /64.
            ...(attempt.address === source ? {} : { countedAs: attempt.address }),
          },
        },
        ...(failure.blockedForSeconds === undefined ? [] : [blockEntry(failure.blockedForSeconds)]),
      ],
      wrongPassword: true,
    };
  }
}

/** The moment an address gets blocked. */
function blockEntry(blockedForSeconds: number): AuditFields {
  return { outcome: 'denied', reason: 'rate_limited', details: { blockedForSeconds } };
}

function throttled(retryAfterSeconds: number): AuthError {
  return new AuthError(
    'login_throttled',
    'Too many wrong passwords from many addresses: Talon lets one login attempt through at a time ' +
      `for now. Try again ${describeWait(retryAfterSeconds)}`,
    429,
    retryAfterSeconds,
  );
}

function blocked(retryAfterSeconds: number): AuthError {
  return new AuthError(
    'rate_limited',
    `Too many failed login attempts from your address: try again ${describeWait(retryAfterSeconds)}`,
    429,
    retryAfterSeconds,
  );
}
