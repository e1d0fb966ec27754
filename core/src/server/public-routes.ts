/**
 * THE list of what answers without the admin session. Every other route, including any route
 * added later by any plugin, needs the session: unauthenticated API calls get 401 JSON, pages a
 * redirect to /login. Adding an entry here makes something public: say why in `reason`.
 */

export interface PublicRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route pattern exactly as registered with Fastify. */
  url: string;
  reason: string;
  /** The route authenticates its callers by other means (a signature), so browsers never send it. */
  csrfExempt?: boolean;
}

export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  { method: 'GET', url: '/health', reason: 'liveness probe for monitors and orchestrators' },
  {
    method: 'GET',
    url: '/api/auth/session',
    reason: 'tells the login page whether a session exists and hands out the CSRF token',
  },
  { method: 'POST', url: '/api/auth/login', reason: 'logging in (rate limited per address)' },
  { method: 'POST', url: '/api/auth/logout', reason: 'ends whatever session the cookie holds' },
  {
    method: 'POST',
    url: '/webhooks/telegram',
    reason:
      "Telegram's webhook calls (webhook mode); answered only with the X-Telegram-Bot-Api-Secret-Token Telegram was given",
    csrfExempt: true,
  },
  {
    method: 'POST',
    url: '/webhooks/github',
    reason:
      "GitHub's webhook deliveries; acted on only with a valid X-Hub-Signature-256 made with github.webhook_secret (none set: every delivery is refused)",
    csrfExempt: true,
  },
  {
    method: 'POST',
    url: '/webhooks/workflows/:id',
    reason:
      "a workflow's signed webhook trigger (Standard Webhooks); acted on only for an enabled trigger, signed with its secret, timestamped within 5 minutes",
    csrfExempt: true,
  },
];

/** Pages of the admin SPA that render without a session (GET only). */
export const PUBLIC_PAGES: readonly string[] = ['/login'];

/**
 * Static files the login page needs (GET only): Vite's hashed bundles and the icons. Nothing under
 * these is secret; never serve anything private from them.
 */
export const PUBLIC_ASSET_PREFIXES: readonly string[] = ['/assets/'];
export const PUBLIC_FILES: readonly string[] = ['/favicon.ico', '/favicon.svg', '/robots.txt'];

/** Where unauthenticated page requests are sent. */
export const LOGIN_PAGE = '/login';

/** Paths under this prefix are the JSON API (401 when unauthenticated); everything else is a page. */
export const API_PREFIX = '/api/';

function normalisedMethod(method: string): string {
  return method === 'HEAD' ? 'GET' : method;
}

/** `/assets/../api/x`, `%2e%2e`, backslashes: never public by prefix. */
function looksLikeTraversal(path: string): boolean {
  return /(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\/i.test(path);
}

export function isPublicRoute(method: string, routeUrl: string | undefined): PublicRoute | undefined {
  if (routeUrl === undefined) return undefined;
  const wanted = normalisedMethod(method);
  return PUBLIC_ROUTES.find((route) => route.method === wanted && route.url === routeUrl);
}

/** Public by path: the login page and static assets, for GET and HEAD only. */
export function isPublicPath(method: string, path: string): boolean {
  if (normalisedMethod(method) !== 'GET') return false;
  if (PUBLIC_PAGES.includes(path) || PUBLIC_FILES.includes(path)) return true;
  return PUBLIC_ASSET_PREFIXES.some((prefix) => path.startsWith(prefix)) && !looksLikeTraversal(path);
}

export function isApiPath(path: string): boolean {
  return path.startsWith(API_PREFIX) || path === '/api';
}
