import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { loadConfig } from './env.ts';

const LONG_KEY = 'k'.repeat(32);

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({}, '/srv/talon');
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 5001,
      dataDir: '/srv/talon/data',
      skillsDir: '/srv/talon/data/skills',
      databaseUrl: undefined,
      secretKeyBase: undefined,
    });
  });

  it('collects first-boot setting seeds from the environment', () => {
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: '1:abc', GITHUB_TOKEN: 'ghp_x' }, '/srv');
    expect(config.seeds).toEqual({ 'telegram.bot_token': '1:abc', 'github.token': 'ghp_x' });
  });

  it("passes on the sidecar's machine variables only, never its token", () => {
    const config = loadConfig(
      { SIDECAR_DISPLAY_SIZE: '1024x768', SIDECAR_BROWSER_ISOLATION: 'none', SIDECAR_TOKEN: 't'.repeat(40) },
      '/srv',
    );
    expect(config.sidecarEnv).toEqual({
      SIDECAR_DISPLAY_SIZE: '1024x768',
      SIDECAR_BROWSER_ISOLATION: 'none',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a port number between 0 and 65535 (got "eighty")'],
    [{ PORT: '70000' }, 'PORT must be a port number'],
    [{ SECRET_KEY_BASE: 'short' }, 'SECRET_KEY_BASE is too short: it must be at least 32 bytes'],
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL must start with postgres:// or postgresql://'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a valid URL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be one of production, development, test'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ HOST: 'a host; rm' }, 'HOST must be a host name or IP address'],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env, '/srv')).toThrow(ConfigError);
    expect(() => loadConfig(env, '/srv')).toThrow(message);
  });

  it('accepts a secret key base of exactly 32 bytes', () => {
    expect(loadConfig({ SECRET_KEY_BASE: LONG_KEY }, '/srv').secretKeyBase).toBe(LONG_KEY);
  });
});
