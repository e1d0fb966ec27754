import { TalonError } from '@talon/core/errors.ts';
import type { StepUpCheck } from '@talon/core/workflows/service.ts';

/**
 * A step-up check that accepts known codes, each once per (action, target) (a replay is refused,
 * as the real check refuses it): the real one
 * (core/src/auth/step-up.ts) needs an enrolled TOTP secret; the HTTP tests use it through the app.
 */
export class RecordingStepUp implements StepUpCheck {
  readonly accepted: { action: string; target: string | undefined }[] = [];
  readonly #validCodes: ReadonlySet<string>;
  readonly #used = new Set<string>();

  constructor(...validCodes: string[]) {
    this.#validCodes = new Set(validCodes.length > 0 ? validCodes : ['123456']);
  }

  async verify(request: {
    action: string;
    code: string | undefined | null;
    target?: string | undefined;
  }): Promise<void> {
    if (!request.code)
      throw new TalonError('totp_required', `"${request.action}" needs a current 2FA code`, 403);
    const key = `${request.action}:${request.target}:${request.code}`;
    if (!this.#validCodes.has(request.code) || this.#used.has(key)) {
      throw new TalonError('totp_invalid', 'The 2FA code is wrong or has expired', 403);
    }
    this.#used.add(key);
    this.accepted.push({ action: request.action, target: request.target });
  }
}
