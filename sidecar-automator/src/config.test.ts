import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSidecarConfig } from './config.ts';

const TOKEN = 'a'.repeat(40);
const folder = mkdtempSync(path.join(os.tmpdir(), 'sidecar-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function message(env: Record<string, string>): string {
  try {
    readSidecarConfig(env, '/srv/talon');
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

describe('readSidecarConfig', () => {
  it('listens on loopback port 6900 with the documented defaults', () => {
    const config = readSidecarConfig({ SIDECAR_TOKEN: TOKEN }, '/srv/talon');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 6900,
      dataDir: '/srv/talon/data/automator',
      isolation: 'bwrap',
      browserUser: 'nobody',
      display: { width: 1280, height: 800 },
      limits: {
        maxDownloadBytes: 100 * 1024 * 1024,
        maxRecipeDownloadBytes: 1024 * 1024 * 1024,
        maxConcurrentReplays: 2,
      },
    });
  });

  it('needs a token of at least 32 characters, from the environment or a private file', () => {
    expect(message({})).toContain('SIDECAR_TOKEN or SIDECAR_TOKEN_FILE is required');
    expect(message({ SIDECAR_TOKEN: 'short' })).toContain('at least 32 characters');
    const file = path.join(folder, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    chmodSync(file, 0o644);
    expect(message({ SIDECAR_TOKEN_FILE: file })).toContain('readable by other users; chmod 600 it');
    chmodSync(file, 0o600);
    expect(readSidecarConfig({ SIDECAR_TOKEN_FILE: file }).token).toBe(TOKEN);
    expect(message({ SIDECAR_TOKEN_FILE: file, SIDECAR_TOKEN: TOKEN })).toContain('not both');
    expect(message({ SIDECAR_TOKEN_FILE: path.join(folder, 'missing') })).toContain('cannot be read');
  });

  it('refuses a host beyond loopback without TLS, so the token never crosses a network in clear', () => {
    expect(message({ SIDECAR_TOKEN: TOKEN, SIDECAR_HOST: '0.0.0.0' })).toContain(
      'SIDECAR_HOST 0.0.0.0 is not loopback: set SIDECAR_TLS_CERT_FILE and SIDECAR_TLS_KEY_FILE',
    );
    const config = readSidecarConfig({
      SIDECAR_TOKEN: TOKEN,
      SIDECAR_HOST: '10.0.0.5',
      SIDECAR_TLS_CERT_FILE: '/etc/talon/cert.pem',
      SIDECAR_TLS_KEY_FILE: '/etc/talon/key.pem',
    });
    expect(config.tls).toEqual({ certFile: '/etc/talon/cert.pem', keyFile: '/etc/talon/key.pem' });
    expect(message({ SIDECAR_TOKEN: TOKEN, SIDECAR_TLS_CERT_FILE: '/c.pem' })).toContain('go together');
  });

  it('names the variable and the value when a number, a size or a choice is malformed', () => {
    expect(message({ SIDECAR_TOKEN: TOKEN, SIDECAR_PORT: 'abc' })).toBe(
      'SIDECAR_PORT must be a whole number from 0 to 65535 (got "abc")',
    );
    expect(message({ SIDECAR_TOKEN: TOKEN, SIDECAR_MAX_REPLAYS: '0' })).toBe(
      'SIDECAR_MAX_REPLAYS must be a whole number from 1 to 16 (got "0")',
    );
    expect(message({ SIDECAR_TOKEN: TOKEN, SIDECAR_DISPLAY_SIZE: '100x100' })).toContain(
      'SIDECAR_DISPLAY_SIZE',
    );
    expect(message({ SIDECAR_TOKEN: TOKEN, SIDECAR_BROWSER_ISOLATION: 'docker' })).toBe(
      'SIDECAR_BROWSER_ISOLATION must be one of bwrap, none (got "docker")',
    );
    const sized = readSidecarConfig({
      SIDECAR_TOKEN: TOKEN,
      SIDECAR_MAX_DOWNLOAD_MB: '5',
      SIDECAR_MAX_RECIPE_DOWNLOADS_MB: '20',
    });
    expect(sized.limits.maxDownloadBytes).toBe(5 * 1024 * 1024);
    expect(sized.limits.maxRecipeDownloadBytes).toBe(20 * 1024 * 1024);
  });
});
