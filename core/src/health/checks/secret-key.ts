import { statSync } from 'node:fs';
import { sql } from 'slonik';
import { z } from 'zod';
import { SettingsCipher } from '../../crypto/settings-cipher.ts';
import { keyCheckMatches } from '../../settings/key-check.ts';
import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';

const CHECK = 'secret_key';
/** Shorter than this (characters) is reported: `openssl rand -base64 48` gives 64. */
export const RECOMMENDED_SECRET_KEY_CHARS = 64;

/** SECRET_KEY_BASE protects every stored secret and the session cookies. */
export const secretKeyCheck: DoctorCheck = {
  id: CHECK,
  title: 'SECRET_KEY_BASE: its length and where it is kept',
  async run({ secretKey, pool }) {
    const findings: Finding[] = [];
    const stored = await pool.maybeOneFirst(
      sql.type(z.object({ value: z.string() }))`SELECT value FROM secret_key_check WHERE id = 1`,
    );
    if (stored !== null && !keyCheckMatches(new SettingsCipher(secretKey.value), stored)) {
      findings.push({
        check: CHECK,
        severity: 'critical',
        title: 'SECRET_KEY_BASE is not the key the stored secrets were encrypted with',
        detail: 'Talon refuses to start with it; no stored secret can be read.',
        fix: 'Use the previous key, or change keys with "pnpm talon secrets rotate"',
      });
    }
    if (secretKey.value.length < RECOMMENDED_SECRET_KEY_CHARS) {
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: `SECRET_KEY_BASE is ${secretKey.value.length} characters long (fewer than ${RECOMMENDED_SECRET_KEY_CHARS})`,
        detail: 'It is the key material of every stored secret and of the session cookies.',
        fix: 'Rotate to a longer key: NEW_SECRET_KEY_BASE="$(openssl rand -base64 48)" pnpm talon secrets rotate',
      });
    }
    if (secretKey.source === 'file') {
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: `SECRET_KEY_BASE was generated into the data folder (${secretKey.file})`,
        detail:
          'The key lives beside the secrets it protects: whoever copies the data folder (or a backup of it) has both.',
        fix: 'Keep the key elsewhere: set SECRET_KEY_BASE in the environment (your secret manager), then delete the file',
      });
      if (secretKey.file !== undefined && (statSync(secretKey.file).mode & 0o077) !== 0) {
        findings.push({
          check: CHECK,
          severity: 'critical',
          title: `${secretKey.file} can be read by other users`,
          detail: 'Anyone who can read it can decrypt every stored secret.',
          fix: `chmod 600 ${secretKey.file}`,
        });
      }
    }
    if (findings.length === 0) {
      findings.push({
        check: CHECK,
        severity: 'info',
        title: 'SECRET_KEY_BASE comes from the environment and is long enough',
        detail: `${secretKey.value.length} characters; it is not stored in the data folder.`,
      });
    }
    return findings;
  },
};
