import QRCode from 'qrcode';
import type { AuditLog } from '../audit/audit-log.ts';
import type { SettingsStore } from '../settings/store.ts';
import { AuthError } from './auth-errors.ts';
import {
  isTotpEnrolled,
  stepUpScope,
  totpDenial,
  TOTP_ENABLED_KEY,
  TOTP_PENDING_SECRET_KEY,
  TOTP_SECRET_KEY,
  type StepUpVerifier,
} from './step-up.ts';
import type { TotpGuard } from './totp-guard.ts';
import { newTotpSecret, totpUri } from './totp.ts';

export interface TwoFactorStatus {
  enrolled: boolean;
  /** An enrolment was started and awaits its first code. */
  pending: boolean;
}

export interface Enrolment {
  /** Base32, for typing into an authenticator app by hand. */
  secret: string;
  otpauthUri: string;
  /** The QR code of the URI as SVG markup (no data: URL, so the CSP needs no `img-src data:`). */
  qrSvg: string;
}

interface Who {
  actor: string;
  source: string | undefined;
  /** The admin session's tag, so its wrong codes are counted apart from other sessions'. */
  session?: string | undefined;
}

/**
 * Enrolling, confirming and disabling TOTP 2FA. The secrets are sensitive settings, encrypted at
 * rest. Unlike AlexClaw: starting an enrolment while 2FA is on is refused (it would let a stolen
 * session swap the secret), and disabling needs a valid code.
 */
export class TwoFactor {
  readonly #settings: SettingsStore;
  readonly #guard: TotpGuard;
  readonly #stepUp: StepUpVerifier;
  readonly #audit: AuditLog;
  readonly #issuer: string;
  readonly #nowSeconds: () => number;

  constructor(options: {
    settings: SettingsStore;
    guard: TotpGuard;
    stepUp: StepUpVerifier;
    audit: AuditLog;
    issuer: string;
    nowSeconds?: () => number;
  }) {
    this.#settings = options.settings;
    this.#guard = options.guard;
    this.#stepUp = options.stepUp;
    this.#audit = options.audit;
    this.#issuer = options.issuer;
    this.#nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  }

  status(): TwoFactorStatus {
    return {
      enrolled: isTotpEnrolled(this.#settings),
      pending: this.#settings.getString(TOTP_PENDING_SECRET_KEY) !== '',
    };
  }

  /** Starts (or restarts) an enrolment: a new pending secret replaces any earlier pending one. */
  async enrol(who: Who): Promise<Enrolment> {
    if (isTotpEnrolled(this.#settings)) {
      await this.#record(who, 'totp.enrol', 'denied', 'already_enrolled');
      throw new AuthError(
        'totp_already_enrolled',
        '2FA is already enrolled: disable it first (that needs a current code), then enrol again',
        409,
      );
    }
    const secret = newTotpSecret();
    await this.#settings.set(TOTP_PENDING_SECRET_KEY, secret, {
      type: 'string',
      category: 'auth',
      sensitive: true,
      description: 'TOTP secret awaiting its first code (Base32)',
    });
    const otpauthUri = totpUri(secret, this.#issuer);
    const qrSvg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    await this.#record(who, 'totp.enrol', 'succeeded');
    return { secret, otpauthUri, qrSvg };
  }

  /** Activates the pending secret once `code` proves the authenticator app holds it. */
  async confirm(code: string, who: Who): Promise<void> {
    const pending = this.#settings.getString(TOTP_PENDING_SECRET_KEY);
    if (pending === '') {
      await this.#record(who, 'totp.confirm', 'denied', 'no_pending_enrolment');
      throw new AuthError(
        'totp_no_pending_enrolment',
        'No 2FA enrolment is in progress: start one first',
        409,
      );
    }
    const outcome = await this.#guard.check({
      secret: pending,
      code: code.trim(),
      action: 'totp.confirm',
      source: who.source,
      scope: stepUpScope(who),
      epochSeconds: this.#nowSeconds(),
    });
    if (outcome.result !== 'accepted') {
      await this.#record(who, 'totp.confirm', 'denied', `totp_${outcome.result}`);
      throw totpDenial(outcome);
    }
    await this.#settings.set(TOTP_SECRET_KEY, pending, { type: 'string', category: 'auth', sensitive: true });
    await this.#settings.set(TOTP_ENABLED_KEY, true, { type: 'boolean', category: 'auth' });
    await this.#settings.delete(TOTP_PENDING_SECRET_KEY);
    await this.#record(who, 'totp.confirm', 'succeeded');
  }

  /** Turns 2FA off; needs a current code (a stolen session alone cannot remove the second factor). */
  async disable(code: string | undefined, who: Who): Promise<void> {
    await this.#stepUp.verify({
      action: 'totp.disable',
      code,
      actor: who.actor,
      source: who.source,
      session: who.session,
    });
    await this.#settings.set(TOTP_ENABLED_KEY, false, { type: 'boolean', category: 'auth' });
    await this.#settings.set(TOTP_SECRET_KEY, '', { type: 'string', category: 'auth', sensitive: true });
    await this.#settings.delete(TOTP_PENDING_SECRET_KEY);
    await this.#guard.forgetUsedSteps();
    await this.#record(who, 'totp.disable', 'succeeded');
  }

  #record(who: Who, action: string, outcome: 'succeeded' | 'denied', reason?: string): Promise<void> {
    return this.#audit.record({ actor: who.actor, action, outcome, reason, source: who.source });
  }
}
