import { isTotpEnrolled } from '../../auth/step-up.ts';
import type { DoctorCheck } from '../doctor.ts';

const CHECK = 'two_factor';

/** Without 2FA, a password-only session (a stolen cookie, a guessed password) can weaken everything. */
export const twoFactorCheck: DoctorCheck = {
  id: CHECK,
  title: '2FA enrolment',
  async run({ settings }) {
    if (isTotpEnrolled(settings)) {
      return [
        {
          check: CHECK,
          severity: 'info',
          title: '2FA is enrolled',
          detail: 'Changes that lower a protection need a fresh code from your authenticator app.',
        },
      ];
    }
    return [
      {
        check: CHECK,
        severity: 'warning',
        title: '2FA is not enrolled',
        detail:
          'With the password alone, anyone can change whom Talon obeys and where data goes; skills cannot be approved at all.',
        fix: "Enrol 2FA on the admin's Security screen (or send /setup 2fa to the bot)",
      },
    ];
  },
};
