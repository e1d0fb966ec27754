import type { Announcements } from '../announcements/announcements.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { SettingsStore } from '../settings/store.ts';
import { addressKey } from './address-key.ts';
import { AuthError, describeWait } from './auth-errors.ts';
import {
  TOTP_FAILURE_LIMITS,
  TOTP_FAILURE_WINDOW_SECONDS,
  type TotpGuard,
  type TotpGuardOutcome,
  type TotpScope,
  type TotpScopeName,
} from './totp-guard.ts';

export const TOTP_SECRET_KEY = 'auth.totp.secret';
export const TOTP_PENDING_SECRET_KEY = 'auth.totp.pending_secret';
export const TOTP_ENABLED_KEY = 'auth.totp.enabled';

export interface StepUpRequest {
  /** What the code unlocks, as `domain.verb` (`skill.load`, `permissions.grant`, `totp.disable`...). */
  action: string;
  /** The code the owner typed (requests send it as `totpCode`); missing or empty is refused. */
  code: string | undefined | null;
  /** Who asks: `admin`, `telegram:<chat>`... (wrong codes from `telegram:<chat>` are counted per chat). */
  actor: string;
  /** From where: a client address (wrong codes are counted per address, an IPv6 one per /64), a chat id. */
  source?: string | undefined;
  /**
   * The admin session asking, as a non-secret tag (`sessionTag` in server/security/session-cookie.ts):
   * wrong codes are counted per session, so a stolen session cannot lock the owner's out.
   */
  session?: string | undefined;
  /** What the action is applied to, for the audit log (a skill name, a workflow id). */
  target?: string | undefined;
  /**
   * While 2FA is not enrolled: `refuse` (the default: the action needs 2FA enrolled first) or
   * `allow` (there is nothing to step up with yet, so the action goes through, audited as such;
   * for changes that need a code only once 2FA is enrolled).
   */
  whenNotEnrolled?: 'refuse' | 'allow' | undefined;
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
        `Too many wrong 2FA codes ${FROM_SCOPE[outcome.scope]}: try again ${describeWait(outcome.retryAfterSeconds)}`,
        429,
        outcome.retryAfterSeconds,
      );
  }
}

const FROM_SCOPE: Readonly<Record<TotpScopeName, string>> = {
  session: 'in this session',
  chat: 'from this chat',
  address: 'from your address',
  global: 'from everywhere together, so every code is refused for now',
};

const TELEGRAM_ACTOR_PREFIX = 'telegram:';

/** What wrong codes of this request are counted by: its session, its chat, or its address. */
export function stepUpScope(request: Pick<StepUpRequest, 'actor' | 'source' | 'session'>): TotpScope {
  if (request.actor.startsWith(TELEGRAM_ACTOR_PREFIX)) {
    return { chat: request.actor.slice(TELEGRAM_ACTOR_PREFIX.length) };
  }
  return {
    session: request.session,
    address: request.source === undefined ? undefined : addressKey(request.source),
  };
}

/**
 * Step-up 2FA: resolves when `code` is a valid, unused TOTP code for the enrolled secret and throws
 * an AuthError otherwise. With 2FA not enrolled the action is refused (AlexClaw lets gated actions
 * run when 2FA is off), unless the caller says it may go through before enrolment
 * (`whenNotEnrolled: 'allow'`, for what needs a code only once 2FA is on). Every outcome goes to the
 * audit log.
 */
export class StepUp implements StepUpVerifier {
  readonly #settings: SettingsStore;
  readonly #guard: TotpGuard;
  readonly #audit: AuditLog;
  readonly #announcements: Announcements | undefined;
  readonly #nowSeconds: () => number;

  constructor(options: {
    settings: SettingsStore;
    guard: TotpGuard;
    audit: AuditLog;
    /** Told when wrong codes reach the global limit; none: only the audit log. */
    announcements?: Announcements | undefined;
    nowSeconds?: () => number;
  }) {
    this.#settings = options.settings;
    this.#guard = options.guard;
    this.#audit = options.audit;
    this.#announcements = options.announcements;
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
      if (request.whenNotEnrolled === 'allow') {
        await audit('allowed', 'totp_not_enrolled');
        return;
      }
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
      scope: stepUpScope(request),
      epochSeconds: this.#nowSeconds(),
    });
    if (outcome.result === 'accepted') {
      await audit('allowed');
      return;
    }
    await audit('denied', `totp_${outcome.result}`);
    if (outcome.result !== 'rate_limited' && outcome.globalLimitReached)
      await this.#globalLimitReached(request);
    throw totpDenial(outcome);
  }

  async #globalLimitReached(request: StepUpRequest): Promise<void> {
    const limit = TOTP_FAILURE_LIMITS.global;
    const minutes = TOTP_FAILURE_WINDOW_SECONDS / 60;
    await this.#audit.record({
      actor: request.actor,
      action: 'totp.step_up_budget',
      outcome: 'denied',
      reason: 'budget_exhausted',
      source: request.source,
      details: { failures: limit, windowSeconds: TOTP_FAILURE_WINDOW_SECONDS },
    });
    this.#announcements?.announce({
      kind: 'step_up_budget_exhausted',
      key: 'step_up_budget',
      text:
        `${limit} wrong 2FA codes in ${minutes} minutes: every 2FA code, yours too, is refused until ` +
        'they are older than that. If they were not yours, someone has your password or your Telegram chat.',
    });
  }
}
