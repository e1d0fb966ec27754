import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The bundled list (see the header of the file for where it comes from and its licence). */
export const COMMON_PASSWORDS_FILE = path.join(import.meta.dirname, 'common-passwords.txt');

let loaded: Promise<ReadonlySet<string>> | undefined;

/** The 10,000 most common passwords, lower-cased; read once. */
export function commonPasswords(): Promise<ReadonlySet<string>> {
  loaded ??= readFile(COMMON_PASSWORDS_FILE, 'utf8').then(
    (text) =>
      new Set(
        text
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('#'))
          .map((line) => line.toLowerCase()),
      ),
  );
  return loaded;
}

/** True when the password, ignoring case, is on the list. */
export async function isCommonPassword(password: string): Promise<boolean> {
  return (await commonPasswords()).has(password.trim().toLowerCase());
}
