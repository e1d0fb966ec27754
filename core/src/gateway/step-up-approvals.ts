import type { AuditLog } from '../audit/audit-log.ts';
import type { StepUpRequest, StepUpVerifier } from '../auth/step-up.ts';
import { isTotpEnrolled } from '../auth/step-up.ts';
import { TalonError } from '../errors.ts';
import type { SettingsStore } from '../settings/store.ts';
import { ADMIN_STEP_UP_KIND, type StepUpGrants } from './step-up-grants.ts';

/** Asks the owner's chat for a code bound to one admin step-up (the gateway's `challengeOwner`). */
export interface OwnerChallenger {
  /** False when the gateway cannot reach the owner now (not connected, no chat id). */
  challengeOwner(
    action: { kind: string; args: { [key: string]: string | null } },
    description: string,
  ): Promise<boolean>;
}

/**
 * Lets a step-up asked for in the admin be approved from Telegram, when the owner turned
 * `telegram.approve_admin_step_ups` on: an admin request that comes without a code asks the
 * owner's chat ("approve settings.update of telegram.chat_id? send your code"); the code sent
 * there is checked by the same step-up function, bound to that action and target, and leaves a
 * one-use grant that the admin's next try of exactly that action uses instead of a typed code.
 */
export class TelegramStepUpApprovals {
  readonly #settings: SettingsStore;
  readonly #grants: StepUpGrants;
  readonly #audit: AuditLog;
  #challenger: OwnerChallenger | undefined;

  constructor(options: { settings: SettingsStore; grants: StepUpGrants; audit: AuditLog }) {
    this.#settings = options.settings;
    this.#grants = options.grants;
    this.#audit = options.audit;
  }

  /** The gateway, once it exists (it is built after the app that uses the wrapped step-up). */
  attach(challenger: OwnerChallenger): void {
    this.#challenger = challenger;
  }

  wrap(inner: StepUpVerifier): StepUpVerifier {
    return { verify: (request) => this.#verify(inner, request) };
  }

  async #verify(inner: StepUpVerifier, request: StepUpRequest): Promise<void> {
    const codeGiven = typeof request.code === 'string' && request.code.trim() !== '';
    const eligible =
      !codeGiven &&
      request.actor.startsWith('admin') &&
      this.#settings.getBoolean('telegram.approve_admin_step_ups', false) &&
      isTotpEnrolled(this.#settings);
    if (!eligible) return inner.verify(request);
    if (await this.#grants.consume(request.action, request.target)) {
      await this.#audit.record({
        actor: request.actor,
        action: 'totp.step_up',
        target: request.target,
        outcome: 'allowed',
        source: request.source,
        details: { for: request.action, via: 'telegram' },
      });
      return;
    }
    const description = `approve ${request.action}${request.target ? ` of ${request.target}` : ''} in the admin`;
    const asked = await this.#challenger
      ?.challengeOwner(
        { kind: ADMIN_STEP_UP_KIND, args: { action: request.action, target: request.target ?? null } },
        description,
      )
      .catch(() => false);
    if (!asked) return inner.verify(request);
    throw new TalonError(
      'totp_required',
      `"${request.action}" needs a 2FA code: type it here, or send it in your Telegram chat where Talon just asked for it, then try again`,
      403,
    );
  }
}
