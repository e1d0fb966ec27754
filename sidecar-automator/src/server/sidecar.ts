import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';
import type { SidecarConfig } from '../config.ts';
import { resolveBrowserUser } from '../browser/browser-user.ts';
import { launchChromium } from '../browser/chromium.ts';
import { probeIsolation, type IsolationPlan } from '../browser/sandbox-launcher.ts';
import { Recordings } from '../recording/recordings.ts';
import { BrowserSlots } from '../replay/browser-slots.ts';
import { Replays } from '../replay/replays.ts';
import { RunFiles } from '../storage/run-files.ts';
import { buildApp } from './app.ts';

export interface Sidecar {
  app: FastifyInstance;
  recordings: Recordings;
  replays: Replays;
  runFiles: RunFiles;
  /** Listens where the configuration says; resolves to the base URL (port 0 picks a free port). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Puts the sidecar together from its configuration: checks that Chromium's isolation works here,
 * makes the runtime folder (display cookies, VNC sockets, browser profiles: under the temporary
 * folder, searchable but not listable, so the browser account reaches only its own sub-folders) and
 * the data folder, and builds the services and the HTTP API.
 */
export async function createSidecar(config: SidecarConfig, logger: Logger): Promise<Sidecar> {
  const plan: IsolationPlan = {
    isolation: config.isolation,
    user: resolveBrowserUser(config.browserUser),
    chromiumPath: config.chromiumPath,
  };
  probeIsolation(plan);
  if (config.isolation === 'none')
    logger.warn('Chromium runs without bubblewrap (SIDECAR_BROWSER_ISOLATION=none)');
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const runtimeDir = mkdtempSync(path.join(os.tmpdir(), 'talon-sidecar-'));
  chmodSync(runtimeDir, 0o711);
  mkdirSync(path.join(runtimeDir, 'recordings'), { mode: 0o700 });
  mkdirSync(path.join(runtimeDir, 'browsers'), { mode: 0o711 });
  const runFiles = new RunFiles(config.dataDir);
  let launches = 0;
  const slots = new BrowserSlots(
    config.limits.maxConcurrentReplays,
    (slot) => {
      launches += 1;
      const folder = path.join(runtimeDir, 'browsers', `replay-${slot}-${launches}`);
      return launchChromium({ plan, folder, logger });
    },
    config.limits.browserIdleMs,
    logger,
  );
  const replays = new Replays({ slots, runFiles, limits: config.limits, logger });
  const recordings = new Recordings({
    runtimeDir,
    plan,
    display: config.display,
    runFiles,
    limits: config.limits,
    logger,
  });
  const app = buildApp({
    config,
    logger,
    recordings,
    replays,
    runFiles,
    maxReplays: config.limits.maxConcurrentReplays,
  });
  let closed = false;
  return {
    app,
    recordings,
    replays,
    runFiles,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return `${config.tls ? 'https' : 'http'}://${host}:${port}`;
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await recordings.closeAll();
      await slots.closeAll();
      rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}
