import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { SettingsStore } from '../../settings/store.ts';
import { clientAddress } from './client-info.ts';
import { AuthError, describeWait } from '../../auth/auth-errors.ts';

/** A ceiling per client address on all routes, far above what the admin UI does; login has its own. */
export const API_RATE_LIMIT_PER_MINUTE = 600;

/** The general limit (in memory, per node): it stops floods, not guessing (LoginRateLimiter does that). */
export async function registerApiRateLimit(app: FastifyInstance, settings: SettingsStore): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: true,
    max: API_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    // Per client, the same address the login limiter uses (behind a trusted proxy, not the proxy's).
    keyGenerator: (request) => clientAddress(request, settings),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new AuthError(
        'rate_limited',
        `Too many requests: try again ${describeWait(seconds)}`,
        429,
        seconds,
      );
    },
  });
}
