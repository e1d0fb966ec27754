import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist } from '../../build-dist.ts';

const sdk = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

let root: string;
let bin: string;

async function talonSkill(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * An installed copy, as `npm install @talon/plugins-sdk` leaves it: the package's files (after
 * `prepack` built dist/) under node_modules, its dependencies beside it. Node refuses to strip
 * types there, so this proves the CLI runs from the bundle alone.
 */
beforeAll(async () => {
  await buildDist();
  root = await mkdtemp(path.join(tmpdir(), 'talon-skill-installed-'));
  await chmod(root, 0o755); // sandbox workers run as `nobody` when the tests run as root
  const installed = path.join(root, 'node_modules', '@talon', 'plugins-sdk');
  await mkdir(installed, { recursive: true });
  for (const entry of ['bin', 'dist', 'src', 'package.json', 'README.md']) {
    await cp(path.join(sdk, entry), path.join(installed, entry), { recursive: true });
  }
  for (const dependency of ['ajv', 'esbuild', 'isolated-vm', 'pino', 'vitest']) {
    await symlink(
      await realpath(path.join(sdk, 'node_modules', dependency)),
      path.join(root, 'node_modules', dependency),
    );
  }
  bin = path.join(installed, 'bin', 'talon-skill.js');
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('talon-skill installed under node_modules (npx talon-skill)', () => {
  it('init → build → check → run (also --with) → test from the bundle', async () => {
    expect((await talonSkill(root, 'init', 'outside')).code).toBe(0);
    const folder = path.join(root, 'outside');
    expect((await talonSkill(folder, 'build')).code).toBe(0);
    expect(await readFile(path.join(folder, 'index.js'), 'utf8')).toContain('function defineSkill');
    const check = await talonSkill(folder, 'check');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/checksum [0-9a-f]{64}/);
    const result = await talonSkill(folder, 'run', '.', '--input', '"Ada"');
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      result: { message: 'Hello, Ada!' },
      branch: 'on_success',
    });
    // skills.invoke from the bundle: a hand-written caller, with the built skill loaded beside it.
    const caller = path.join(root, 'caller');
    await mkdir(caller);
    await writeFile(
      path.join(caller, 'skill.json'),
      JSON.stringify({
        name: 'caller',
        version: '1.0.0',
        description: 'calls outside',
        permissions: ['skills.invoke'],
      }),
    );
    await writeFile(
      path.join(caller, 'index.js'),
      `export default { run: ({ api }) => api.skills.invoke('outside', 'Bo') };`,
    );
    const invoked = await talonSkill(root, 'run', 'caller', '--input', 'null', '--with', 'outside');
    expect(JSON.parse(invoked.stdout)).toMatchObject({
      ok: true,
      result: { ok: true, result: { message: 'Hello, Bo!' } },
    });
    const tests = await talonSkill(folder, 'test');
    expect(tests.code).toBe(0);
    expect(tests.stdout).toMatch(/2 passed/);
  });
});
