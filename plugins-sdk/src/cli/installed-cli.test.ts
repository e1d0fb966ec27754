import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const sdk = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

let root: string;
let project: string;

/** pnpm itself: the one running this suite, or the one on PATH. */
const PNPM = process.env['npm_execpath'] ?? 'pnpm';

async function pnpm(cwd: string, ...args: string[]): Promise<void> {
  const command = PNPM.endsWith('.js') || PNPM.endsWith('.cjs') ? process.execPath : PNPM;
  const prefix = command === process.execPath ? [PNPM] : [];
  await run(command, [...prefix, ...args], { cwd, timeout: 120_000 });
}

async function talonSkill(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'talon-skill', ...args], {
      cwd,
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * The SDK as an author gets it: `pnpm pack` (prepack bundles the skill runtime into dist/), then
 * the tarball installed into an empty project — no workspace, no registry for `@talon/*` packages
 * (its other dependencies come from the local store when they are there, else the npm registry).
 */
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'talon-skill-installed-'));
  await chmod(root, 0o755); // sandbox workers run as `nobody` when the tests run as root
  await pnpm(sdk, 'pack', '--pack-destination', root);
  const [tarball] = (await readdir(root)).filter((name) => name.endsWith('.tgz'));
  project = path.join(root, 'project');
  await mkdir(project);
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'my-skills',
      private: true,
      type: 'module',
      pnpm: { onlyBuiltDependencies: ['esbuild', 'isolated-vm'] },
    }),
  );
  // `talon-skill test` runs the author's tests with vitest, which the author installs beside the SDK.
  const vitest = JSON.parse(
    await readFile(fileURLToPath(import.meta.resolve('vitest/package.json')), 'utf8'),
  ) as { version: string };
  await pnpm(project, 'add', `../${tarball!}`, `vitest@${vitest.version}`, '--prefer-offline');
}, 240_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the packed SDK installed into an empty project (npx talon-skill)', () => {
  it('init → build → check → run (also --with) → test from the bundle', async () => {
    expect((await talonSkill(project, 'init', 'outside')).code).toBe(0);
    const folder = path.join(project, 'outside');
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
    const caller = path.join(project, 'caller');
    await mkdir(caller);
    await writeFile(
      path.join(caller, 'skill.json'),
      JSON.stringify({
        name: 'caller',
        version: '1.0.0',
        description: 'calls outside',
        permissions: ['skills.invoke'],
        invokes: ['outside'],
      }),
    );
    await writeFile(
      path.join(caller, 'index.js'),
      `export default { run: ({ api }) => api.skills.invoke('outside', 'Bo') };`,
    );
    const invoked = await talonSkill(project, 'run', 'caller', '--input', 'null', '--with', 'outside');
    expect(JSON.parse(invoked.stdout)).toMatchObject({
      ok: true,
      result: { ok: true, result: { message: 'Hello, Bo!' } },
    });
    // The SDK's declarations come with it: the new project type-checks against the installed SDK.
    const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
    await expect(
      run(process.execPath, [tsc, '-p', path.join(folder, 'tsconfig.json')]),
    ).resolves.toBeDefined();
    const tests = await talonSkill(folder, 'test');
    expect(tests.code).toBe(0);
    expect(tests.stdout).toMatch(/2 passed/);
  });
});
