import { describe, expect, it } from 'vitest';
import { isApiPath, isPublicPath, isPublicRoute } from './public-routes.ts';

describe('the public list', () => {
  it('names exactly health, session status, login, logout and the signed webhooks as public routes', () => {
    expect(isPublicRoute('GET', '/health')).toBeDefined();
    expect(isPublicRoute('HEAD', '/health')).toBeDefined();
    expect(isPublicRoute('GET', '/api/auth/session')).toBeDefined();
    expect(isPublicRoute('POST', '/api/auth/login')).toBeDefined();
    expect(isPublicRoute('POST', '/api/auth/logout')).toBeDefined();
    expect(isPublicRoute('GET', '/api/auth/login')).toBeUndefined();
    expect(isPublicRoute('POST', '/health')).toBeUndefined();
    expect(isPublicRoute('GET', '/api/auth/totp')).toBeUndefined();
    expect(isPublicRoute('GET', undefined)).toBeUndefined();
    // Telegram cannot send a CSRF token: the route checks Telegram's secret header instead.
    expect(isPublicRoute('POST', '/webhooks/telegram')?.csrfExempt).toBe(true);
    expect(isPublicRoute('GET', '/webhooks/telegram')).toBeUndefined();
    // Signed webhooks (issue 14): each checks its own signature instead of a session and CSRF token.
    expect(isPublicRoute('POST', '/webhooks/github')?.csrfExempt).toBe(true);
    expect(isPublicRoute('POST', '/webhooks/workflows/:id')?.csrfExempt).toBe(true);
    expect(isPublicRoute('GET', '/webhooks/workflows/:id')).toBeUndefined();
  });

  it('lets through the login page and static assets for GET and HEAD only', () => {
    expect(isPublicPath('GET', '/login')).toBe(true);
    expect(isPublicPath('HEAD', '/assets/index-abc123.js')).toBe(true);
    expect(isPublicPath('GET', '/favicon.svg')).toBe(true);
    expect(isPublicPath('POST', '/login')).toBe(false);
    expect(isPublicPath('POST', '/assets/x.js')).toBe(false);
    expect(isPublicPath('GET', '/login/')).toBe(false);
    expect(isPublicPath('GET', '/loginx')).toBe(false);
    expect(isPublicPath('GET', '/')).toBe(false);
    expect(isPublicPath('GET', '/index.html')).toBe(false);
  });

  it('never treats a traversal through the asset prefix as public', () => {
    for (const path of [
      '/assets/../api/settings',
      '/assets/..',
      '/assets/./x',
      '/assets/%2e%2e/api/settings',
      '/assets/%2E%2E/x',
      '/assets/..%2fapi',
      '/assets/..%5capi',
      '/assets\\..\\api',
    ]) {
      expect(isPublicPath('GET', path), path).toBe(false);
    }
  });

  it('tells the API from pages by the /api/ prefix', () => {
    expect(isApiPath('/api/settings')).toBe(true);
    expect(isApiPath('/api')).toBe(true);
    expect(isApiPath('/apiary')).toBe(false);
  });
});
