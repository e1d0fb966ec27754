import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unprivilegedWorkerUser } from '@talon/skill-runtime/sandbox/worker-user.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_ENVIRONMENT, ShellJail } from './jail.ts';
import { runCommand } from './run-command.ts';

// The jail as Talon builds it: a data folder and a .env outside /tmp (under /tmp they would be
// covered by the fresh /tmp anyway), readable by every user, so only the jail keeps them out.
const dataDir = mkdtempSync('/var/tmp/talon-jail-data-');
const envFile = path.join(dataDir, '..', `${path.basename(dataDir)}.env`);
const user = unprivilegedWorkerUser();
let jail: ShellJail;

const run = (argv: string[], options: { timeoutMs?: number; maxOutputChars?: number } = {}) =>
  runCommand(jail.launch(argv), {
    timeoutMs: options.timeoutMs ?? 10_000,
    maxOutputChars: options.maxOutputChars ?? 4_000,
  });

beforeAll(async () => {
  chmodSync(dataDir, 0o755);
  writeFileSync(path.join(dataDir, 'secret_key_base'), 'the-key', { mode: 0o644 });
  writeFileSync(envFile, 'ADMIN_PASSWORD=hunter2\n', { mode: 0o644 });
  jail = new ShellJail({ hiddenFolders: [dataDir], hiddenFiles: [envFile], user });
  await jail.check();
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(envFile, { force: true });
});

describe('the shell jail', () => {
  it('passes its own probe at start and says how commands run', () => {
    expect(jail.status).toMatchObject({
      up: true,
      detail: expect.stringMatching(/^commands run in bubblewrap as uid/),
    });
  });

  it('runs commands as the unprivileged user when Talon is root, with a clean environment', async () => {
    const who = await run(['id', '-u']);
    expect(who.exitCode).toBe(0);
    if (user) expect(who.output.trim()).toBe(String(user.uid));
    const environment = await run(['env']);
    expect(environment.output.trim().split('\n').sort()).toEqual(
      Object.entries(COMMAND_ENVIRONMENT)
        .map(([name, value]) => `${name}=${value}`)
        .sort(),
    );
  });

  it("cannot read Talon's data folder, its .env, /etc/shadow or Talon's own environment", async () => {
    expect(readdirSync(dataDir)).toEqual(['secret_key_base']);
    expect((await run(['ls', '-A', dataDir])).output).toBe('');
    expect(await run(['cat', path.join(dataDir, 'secret_key_base')])).toMatchObject({ exitCode: 1 });
    const env = await run(['cat', envFile]);
    expect(env.exitCode).not.toBe(0);
    expect(env.output).not.toContain('hunter2');
    expect(readFileSync(envFile, 'utf8')).toContain('hunter2');
    const shadow = await run(['cat', '/etc/shadow']);
    expect(shadow.exitCode).not.toBe(0);
    const environ = await run(['cat', `/proc/${process.pid}/environ`]);
    expect(environ.exitCode).toBe(1);
    expect(environ.output).toMatch(/Permission denied/);
  });

  it('sees what diagnostics need: the host processes, memory and disks', async () => {
    const processes = await run(['ps', '-e', '-o', 'pid=']);
    const pids = processes.output
      .trim()
      .split('\n')
      .map((line) => Number(line.trim()));
    expect(pids).toContain(process.pid);
    expect(await run(['free', '-m'])).toMatchObject({
      exitCode: 0,
      output: expect.stringMatching(/^\s+total/),
    });
    expect(await run(['df', '-h', '/'])).toMatchObject({
      exitCode: 0,
      output: expect.stringMatching(/Filesystem/),
    });
  });

  it('reports exit codes, and a program that does not exist as a failed run', async () => {
    expect(await run(['false'])).toMatchObject({ exitCode: 1, timedOut: false });
    expect(await run(['sh', '-c', 'exit 3'])).toMatchObject({ exitCode: 3 });
    const missing = await run(['no-such-program-here']);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.output).toMatch(/no-such-program-here/);
  });

  it('kills the whole process group at the timeout, children included', async () => {
    const marker = `${2000 + Math.floor(Math.random() * 1000)}.5`;
    const outcome = await run(['sh', '-c', `sleep ${marker} & sleep ${marker}; echo never`], {
      timeoutMs: 500,
    });
    expect(outcome).toMatchObject({ exitCode: null, timedOut: true });
    expect(outcome.output).not.toContain('never');
    const survivors = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    expect(survivors).toEqual([]);
  });

  it('cuts the output at the limit and says so, and keeps reading so the command is not blocked', async () => {
    const outcome = await run(['seq', '1', '200000'], { maxOutputChars: 100 });
    expect(outcome).toMatchObject({ exitCode: 0, truncated: true, timedOut: false });
    expect(outcome.output).toHaveLength(100);
    expect(outcome.output.startsWith('1\n2\n3\n')).toBe(true);
    expect(await run(['echo', 'short'], { maxOutputChars: 100 })).toMatchObject({
      output: 'short\n',
      truncated: false,
    });
  });

  it('does not run at all without bubblewrap, and says what to install', async () => {
    const none = new ShellJail({ hiddenFolders: [], hiddenFiles: [], user, bwrap: null });
    expect(await none.check()).toEqual({
      up: false,
      detail: expect.stringMatching(/bubblewrap \(bwrap\) was not found.*apt-get install bubblewrap/),
    });
  });
});
