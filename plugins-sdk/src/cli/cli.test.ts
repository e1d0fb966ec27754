import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skillChecksum } from '@talon/skill-runtime/contract/checksum.ts';

const bin = fileURLToPath(new URL('../../bin/talon-skill.js', import.meta.url));
const run = promisify(execFile);

/** Spawns the real CLI as an author would: `talon-skill <args>` in a folder outside the repository. */
async function talonSkill(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'talon-skill-cli-'));
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

describe('talon-skill on a fresh folder', () => {
  it('init → build → check: a working package and the checksum the host will compute', async () => {
    const init = await talonSkill(workspace, 'init', 'weather_report');
    expect(init).toMatchObject({ code: 0 });
    expect(init.stdout).toContain('created weather_report');
    const folder = path.join(workspace, 'weather_report');

    const build = await talonSkill(folder, 'build');
    expect(build.code).toBe(0);
    const code = await readFile(path.join(folder, 'index.js'), 'utf8');
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).toContain('export {');

    const check = await talonSkill(folder, 'check', '--json');
    expect(check.code).toBe(0);
    const report = JSON.parse(check.stdout) as { ok: boolean; checksum: string; permissions: string[] };
    const manifest = JSON.parse(await readFile(path.join(folder, 'skill.json'), 'utf8')) as unknown;
    expect(report).toMatchObject({ ok: true, permissions: ['log'] });
    expect(report.checksum).toBe(skillChecksum(manifest, code));
    expect(build.stdout).toContain(`checksum ${report.checksum}`);
  });

  it('run: one JSON line with result, branch, duration and API calls, in the real sandbox', async () => {
    const folder = path.join(workspace, 'weather_report');
    const ok = await talonSkill(folder, 'run', '.', '--input', '"Ada"', '--config', '{"greeting":"Hi"}');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      result: { message: 'Hi, Ada!' },
      branch: 'on_success',
      durationMs: expect.any(Number),
      apiCalls: [{ permission: 'log', method: 'log.info', allowed: true }],
    });
    expect(ok.stderr).toContain('[skill info] greeting someone {"name":"Ada"}');
    const misfit = await talonSkill(folder, 'run', '.', '--input', '"Ada"', '--config', '{"greting":"Hi"}');
    expect(misfit.code).toBe(1);
    expect(JSON.parse(misfit.stdout)).toMatchObject({
      ok: false,
      error: { code: 'config_invalid', message: expect.stringContaining('unknown field "greting"') },
    });
    const empty = await talonSkill(folder, 'run', '.', '--input', '"  "');
    expect(JSON.parse(empty.stdout)).toMatchObject({ ok: true, branch: 'on_empty' });
  });

  it('run: a failing skill, an ungranted permission and bad arguments exit 1 with {ok:false, error}', async () => {
    const folder = path.join(workspace, 'weather_report');
    const manifest = JSON.parse(await readFile(path.join(folder, 'skill.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(
      path.join(folder, 'skill.json'),
      JSON.stringify({ ...manifest, permissions: ['log', 'storage'] }),
    );
    await writeFile(
      path.join(folder, 'src', 'index.ts'),
      `import { defineSkill } from '@talon/plugins-sdk/skill';
export default defineSkill({
  async run({ input, api }) {
    if (input === 'boom') throw new Error('it broke');
    await api.storage.set('last', input);
    return { stored: input };
  },
});
`,
    );
    expect((await talonSkill(folder, 'build')).code).toBe(0);
    expect(JSON.parse((await talonSkill(folder, 'run', '.', '--input', '"x"')).stdout)).toMatchObject({
      ok: true,
      result: { stored: 'x' },
    });
    const thrown = await talonSkill(folder, 'run', '.', '--input', '"boom"');
    expect(thrown.code).toBe(1);
    expect(JSON.parse(thrown.stdout)).toEqual({
      ok: false,
      error: { code: 'skill_error', message: 'it broke' },
      durationMs: expect.any(Number),
      apiCalls: [],
    });
    const denied = await talonSkill(folder, 'run', '.', '--input', '"x"', '--grant', 'log');
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.stdout)).toMatchObject({
      ok: false,
      error: { code: 'permission_denied' },
      apiCalls: [{ method: 'storage.set', allowed: false }],
    });
    const badInput = await talonSkill(folder, 'run', '.', '--input', 'Ada');
    expect(badInput.code).toBe(1);
    expect(JSON.parse(badInput.stdout)).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', message: expect.stringMatching(/--input is not JSON/) },
    });
    const widen = await talonSkill(folder, 'run', '.', '--input', '1', '--grant', 'http');
    expect(JSON.parse(widen.stdout).error.message).toMatch(/"http" is not asked for in skill.json/);
  });

  it("test: builds and runs the project's own tests in the sandbox", async () => {
    await talonSkill(workspace, 'init', 'fresh_one');
    const result = await talonSkill(path.join(workspace, 'fresh_one'), 'test');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Tests\s+.*2 passed/);
  });

  it('init refuses a bad name and an existing skill without touching anything', async () => {
    const bad = await talonSkill(workspace, 'init', 'Weather-Report');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"Weather-Report" is not a valid skill name/);
    const again = await talonSkill(workspace, 'init', 'weather_report');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a skill/);
  });

  it('check names each manifest field that is wrong, and refuses imports in the bundle', async () => {
    const folder = path.join(workspace, 'broken');
    await talonSkill(workspace, 'init', 'broken');
    await writeFile(
      path.join(folder, 'skill.json'),
      JSON.stringify({
        name: 'broken',
        version: '1',
        description: 'x',
        permissions: ['filesystem'],
        colour: 'red',
      }),
    );
    await writeFile(
      path.join(folder, 'index.js'),
      'import fs from "node:fs";\nexport default { run() { return fs; } };\n',
    );
    const check = await talonSkill(folder, 'check');
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('skill.json: version: "1" must be a semantic version such as "1.0.0"');
    expect(check.stderr).toContain('skill.json: permissions[0]: "filesystem" is not a known permission');
    expect(check.stderr).toContain('skill.json: colour: is not a known field');
    expect(check.stderr).toContain('index.js: imports "node:fs"');
    expect(check.stdout).toContain('refused: 4 problem(s)');
  });

  it('build says where the source is wrong, with file and line', async () => {
    const folder = path.join(workspace, 'typo');
    await talonSkill(workspace, 'init', 'typo');
    await writeFile(path.join(folder, 'src', 'index.ts'), 'export default {\n  run( {\n};\n');
    const build = await talonSkill(folder, 'build');
    expect(build.code).toBe(1);
    expect(build.stderr).toMatch(/talon-skill build: build failed:\nsrc\/index.ts:3:\d+: /);
  });

  it('build refuses a skill that imports a Node module', async () => {
    const folder = path.join(workspace, 'sneaky');
    await talonSkill(workspace, 'init', 'sneaky');
    await writeFile(
      path.join(folder, 'src', 'index.ts'),
      'import { readFileSync } from "node:fs";\nexport default { run() { return readFileSync("/etc/passwd", "utf8"); } };\n',
    );
    const build = await talonSkill(folder, 'build');
    expect(build.code).toBe(1);
    expect(build.stderr).toMatch(/node:fs/);
  });
});
