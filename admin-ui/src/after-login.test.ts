import { describe, expect, it } from 'vitest';
import { afterLoginPath } from './after-login.ts';

describe('where the login page sends a person afterwards', () => {
  it.each(['/settings', '/security?tab=2', '/', '/skills#run'])('back to the admin page %s', (next) => {
    expect(afterLoginPath(next)).toBe(next);
  });

  it.each([
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example/',
    'javascript:alert(1)',
    'settings',
    '',
    undefined,
    ['/settings', '/security'],
  ])('never elsewhere: %j goes to the dashboard', (next) => {
    expect(afterLoginPath(next)).toBe('/');
  });
});
