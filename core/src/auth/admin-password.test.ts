import { describe, expect, it } from 'vitest';
import { AdminPassword } from './admin-password.ts';

describe('AdminPassword', () => {
  it('matches only the exact password', () => {
    const password = new AdminPassword('correct horse');
    expect(password.isSet).toBe(true);
    expect(password.matches('correct horse')).toBe(true);
    for (const wrong of [
      '',
      'correct',
      'correct horse ',
      'Correct horse',
      'correct horse battery',
      'correct\u0000horse',
    ]) {
      expect(password.matches(wrong), JSON.stringify(wrong)).toBe(false);
    }
  });

  it('compares unicode as UTF-8 text', () => {
    const password = new AdminPassword('pässwörd-🔑');
    expect(password.matches('pässwörd-🔑')).toBe(true);
    expect(password.matches('passwörd-🔑')).toBe(false);
  });

  it('lets nobody in when ADMIN_PASSWORD is unset or empty', () => {
    for (const configured of [undefined, '']) {
      const password = new AdminPassword(configured);
      expect(password.isSet).toBe(false);
      expect(password.matches('')).toBe(false);
      expect(password.matches('anything')).toBe(false);
    }
  });
});
