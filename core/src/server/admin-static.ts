import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { errorResponses } from './error-schema.ts';
import { isApiPath } from './public-routes.ts';

/** Where `pnpm build` puts the admin (admin-ui/dist), found from this file so the working directory does not matter. */
export const DEFAULT_ADMIN_UI_DIR = path.resolve(import.meta.dirname, '../../../admin-ui/dist');

export interface AdminStaticOptions {
  /** A built admin: `index.html` and Vite's `assets/`. */
  distDir: string;
}

/** Vite names bundles by content hash, so a file under /assets/ never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Anything else (index.html names the current bundles) is checked again after every build. */
const REVALIDATE = 'no-cache';

/**
 * Pages and files go out as they are (HTML, scripts, styles, images), never as JSON a schema could
 * shape; a refusal is the usual JSON error body.
 */
const FILE_RESPONSES = {
  '2xx': { description: 'a file of the built admin, as it is', content: { '*/*': { schema: {} } } },
  ...errorResponses,
} as const;

/** A last path segment with a dot is a file: a missing file is a 404, never the app's page. */
function looksLikeFile(urlPath: string): boolean {
  return /\.[A-Za-z0-9]+$/.test(urlPath.slice(urlPath.lastIndexOf('/') + 1));
}

/**
 * Serves the built Vue admin from the same origin as the API: its files as they are, and
 * `index.html` for any other page path (`/`, `/login`, `/settings`...) so the app's router shows the
 * screen. The session check happens before this, in the global auth hook; /api/ paths never get a page.
 */
export const adminStatic: FastifyPluginAsync<AdminStaticOptions> = async (app, { distDir }) => {
  const built = existsSync(path.join(distDir, 'index.html'));
  // Every route of this plugin, @fastify/static's one route per file included, declares what it sends.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, response: route.schema?.response ?? FILE_RESPONSES };
  });
  if (!built) {
    app.log.warn({ distDir }, 'the admin UI is not built: run `pnpm build` to get the web interface');
  } else {
    await app.register(fastifyStatic, {
      root: distDir,
      prefix: '/',
      // One route per file found at start, instead of a catch-all that would shadow the page fallback.
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (reply, filePath) => {
        const hashed = filePath.startsWith(path.join(distDir, 'assets') + path.sep);
        reply.header('cache-control', hashed ? IMMUTABLE : REVALIDATE);
      },
    });
  }

  const sendPage = (reply: FastifyReply) => {
    if (!built) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The Talon admin has not been built. Run `pnpm build` (or `pnpm start`, which builds it).');
    }
    return reply.header('cache-control', REVALIDATE).sendFile('index.html');
  };

  app.get('/', (_request, reply) => sendPage(reply));
  app.get('/*', (request, reply) => {
    const urlPath = request.url.split('?')[0] ?? '/';
    if (isApiPath(urlPath) || looksLikeFile(urlPath)) return reply.callNotFound();
    return sendPage(reply);
  });
};
