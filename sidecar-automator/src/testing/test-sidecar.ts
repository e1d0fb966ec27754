import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSidecarConfig, type SidecarConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import type { SidecarLimits } from '../limits.ts';
import { createSidecar, type Sidecar } from '../server/sidecar.ts';

export interface TestSidecar {
  sidecar: Sidecar;
  /** `http://127.0.0.1:<free port>`. */
  url: string;
  token: string;
  dataDir: string;
  /** A JSON request with the token (or with `headers` instead). */
  call(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A real sidecar in this process on a free loopback port, with a fresh data folder and token, the
 * real isolation, Xvfb, x11vnc and Chromium. LOG_LEVEL in the environment shows its log.
 */
export async function startTestSidecar(limits: Partial<SidecarLimits> = {}): Promise<TestSidecar> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'talon-sidecar-test-'));
  const token = randomBytes(32).toString('base64url');
  const base = readSidecarConfig({
    SIDECAR_TOKEN: token,
    SIDECAR_PORT: '0',
    SIDECAR_DATA_DIR: dataDir,
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'silent',
  });
  const config: SidecarConfig = { ...base, limits: { ...base.limits, ...limits } };
  const sidecar = await createSidecar(config, createLogger(config.logLevel));
  const url = await sidecar.listen();
  return {
    sidecar,
    url,
    token,
    dataDir,
    call(method, route, body, headers) {
      return fetch(`${url}${route}`, {
        method,
        headers: headers ?? {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
    async close() {
      await sidecar.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
