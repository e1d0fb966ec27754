import type { AuditLog } from '../audit/audit-log.ts';
import type { SettingsStore } from '../settings/store.ts';
import { AuthError, describeWait } from './auth-errors.ts';
import type { TotpGuard, TotpGuardOutcome } from './totp-guard.ts';

export const TOTP_SECRET_KEY = 'auth.totp.secret';
export const TOTP_PENDING_SECRET_KEY = 'auth.totp.pending_secret';
export const TOTP_ENABLED_KEY = 'auth.totp.enabled';

export interface StepUpRequest {
  /** What the code unlocks, as `domain.verb` (`skill.load`, `permissions.grant`, `totp.disable`...). */
  action: string;
  /** The code the owner typed (requests send it as `totpCode`); missing or empty is refused. */
  code: string | undefined | null;
  /** Who asks: `admin`, `telegram:<chat>`... */
  actor: string;
  /** From where: a client address, a chat id. */
  source?: string | undefined;
  /** What the action is applied to, for the audit log (a skill name, a workflow id). */
  target?: string | undefined;
}

/** The one place the core demands a fresh TOTP code before a sensitive action. */
export interface StepUpVerifier {
  verify(request: StepUpRequest): Promise<void>;
}

/** True once 2FA is enrolled: the flag is on and an active secret is stored. */
export function isTotpEnrolled(settings: SettingsStore): boolean {
  return settings.getBoolean(TOTP_ENABLED_KEY, false) && settings.getString(TOTP_SECRET_KEY) !== '';
}

/** The TalonError a refused code becomes; the same codes for step-up and enrolment. */
export function totpDenial(outcome: Exclude<TotpGuardOutcome, { result: 'accepted' }>): AuthError {
  switch (outcome.result) {
    case 'invalid':
      return new AuthError(
        'totp_invalid',
        'The 2FA code is wrong or has expired: type the current code',
        403,
      );
    case 'replayed':
      return new AuthError(
        'totp_replayed',
        'This 2FA code was already used: wait for the next code from your authenticator app',
        403,
      );
    case 'rate_limited':
      return new AuthError(
        'totp_rate_limited',
        `Too many wrong 2FA codes: try again ${describeWait(outcome.retryAfterSeconds)}`,
        429,
        outcome.retryAfterSeconds,
      );
  }
}

/**
 * Step-up 2FA: resolves when `code` is a valid, unused TOTP code for the enrolled secret and throws
 * an AuthError otherwise. There is no bypass: with 2FA not enrolled the action is refused
 * (AlexClaw lets gated actions run when 2FA is off). Every outcome goes to the audit log.
 */
export class StepUp implements StepUpVerifier {
  readonly #settings: SettingsStore;
  readonly #guard: TotpGuard;
  readonly #audit: AuditLog;
  readonly #nowSeconds: () => number;

  constructor(options: {
    settings: SettingsStore;
    guard: TotpGuard;
    audit: AuditLog;
    nowSeconds?: () => number;
  }) {
    this.#settings = options.settings;
    this.#guard = options.guard;
    this.#audit = options.audit;
    this.#nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  }

  async verify(request: StepUpRequest): Promise<void> {
    const audit = (outcome: 'allowed' | 'denied', reason?: string): Promise<void> =>
      this.#audit.record({
        actor: request.actor,
        action: 'totp.step_up',
        target: request.target,
        outcome,
        reason,
        source: request.source,
        details: { for: request.action },
      });

    if (!isTotpEnrolled(this.#settings)) {
      await audit('denied', 'totp_not_enrolled');
      throw new AuthError(
        'totp_not_enrolled',
        `"${request.action}" needs a 2FA code, and 2FA is not enrolled: enrol 2FA first (Security settings)`,
        403,
      );
    }
    const code = typeof request.code === 'string' ? request.code.trim() : '';
    if (code === '') {
      await audit('denied', 'totp_required');
      throw new AuthError('totp_required', `"${request.action}" needs a current 2FA code (totpCode)`, 403);
    }
    const outcome = await this.#guard.check({
      secret: this.#settings.getString(TOTP_SECRET_KEY),
      code,
      action: request.action,
      source: request.source,
      epochSeconds: this.#nowSeconds(),
    });
    if (outcome.result === 'accepted') {
      await audit('allowed');
      return;
    }
    await audit('denied', `totp_${outcome.result}`);
    throw totpDenial(outcome);
  }
}
