import type { DoctorCheck } from '../doctor.ts';
import { isCommonPassword } from '../common-passwords.ts';

const CHECK = 'admin_password';
/** Shorter than this (characters) is reported as guessable. */
export const MIN_ADMIN_PASSWORD_CHARS = 12;
const FIX =
  'Set ADMIN_PASSWORD to a long random value (for example: openssl rand -base64 24) and restart Talon';

/** The admin password is the one thing between the internet and the admin (with 2FA for step-ups). */
export const adminPasswordCheck: DoctorCheck = {
  id: CHECK,
  title: 'ADMIN_PASSWORD: length and whether it is a common password',
  async run({ config }) {
    const password = config.adminPassword;
    if (password === undefined || password === '') {
      return [
        {
          check: CHECK,
          severity: 'warning',
          title: 'ADMIN_PASSWORD is not set: nobody can log in to the admin',
          detail: 'Talon runs, but its admin cannot be used.',
          fix: FIX,
        },
      ];
    }
    if (await isCommonPassword(password)) {
      return [
        {
          check: CHECK,
          severity: 'critical',
          title: 'ADMIN_PASSWORD is one of the 10,000 most common passwords',
          detail: 'It is among the first guesses of anyone who tries.',
          fix: FIX,
        },
      ];
    }
    if (password.length < MIN_ADMIN_PASSWORD_CHARS) {
      return [
        {
          check: CHECK,
          severity: 'critical',
          title: `ADMIN_PASSWORD is ${password.length} characters long (fewer than ${MIN_ADMIN_PASSWORD_CHARS})`,
          detail: 'A short password falls to patient guessing, rate limits or not.',
          fix: FIX,
        },
      ];
    }
    return [
      {
        check: CHECK,
        severity: 'info',
        title: 'ADMIN_PASSWORD is long and not a common password',
        detail: `${password.length} characters, not among the 10,000 most common passwords.`,
      },
    ];
  },
};
