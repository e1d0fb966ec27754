import { describe, expect, it } from 'vitest';
import { findFreePort } from '@talon/core/db/embedded-postgres.ts';
import { spawnTalon } from '../support/talon-process.ts';

async function startWith(env: Record<string, string>) {
  const talon = spawnTalon('core/src/main.ts', { DATA_DIR: '/nonexistent-talon-data', ...env });
  const code = await talon.exited;
  return { code, stderr: talon.output().stderr };
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('bad configuration', () => {
  it('a malformed PORT exits non-zero with one line naming PORT', async () => {
    const { code, stderr } = await startWith({ PORT: 'abc' });
    expect(code).not.toBe(0);
    expectOneLine(stderr, /^talon: PORT must be a port number between 0 and 65535 \(got "abc"\)$/);
  });

  it('a short SECRET_KEY_BASE exits non-zero with one line naming it', async () => {
    const { code, stderr } = await startWith({ SECRET_KEY_BASE: 'too-short' });
    expect(code).not.toBe(0);
    expectOneLine(stderr, /^talon: SECRET_KEY_BASE is too short: it must be at least 32 bytes/);
  });

  it('a missing SECRET_KEY_BASE in production exits non-zero and says it is required', async () => {
    const { code, stderr } = await startWith({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
    });
    expect(code).not.toBe(0);
    expectOneLine(stderr, /^talon: SECRET_KEY_BASE is not set; in production it is required/);
  });

  it('an unreachable DATABASE_URL exits non-zero with one line that names it, password masked', async () => {
    const port = await findFreePort();
    const { code, stderr } = await startWith({
      DATABASE_URL: `postgres://talon:hunter2@127.0.0.1:${port}/talon`,
      SECRET_KEY_BASE: 'x'.repeat(40),
    });
    expect(code).not.toBe(0);
    expectOneLine(stderr, /^talon: Cannot connect to the database at DATABASE_URL .*ECONNREFUSED/);
    expect(stderr).toContain(`postgres://talon:*****@127.0.0.1:${port}/talon`);
    expect(stderr).not.toContain('hunter2');
  });
});
