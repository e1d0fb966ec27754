/**
 * Where to go after logging in, from the login page's `?next=`: only a path inside the admin.
 * Anything else (another site, `//host`, `/\host`, which browsers read as `//host`) goes to the dashboard.
 */
export function afterLoginPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}
