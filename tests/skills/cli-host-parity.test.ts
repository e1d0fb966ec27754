import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePackage } from '@talon/skill-runtime/package/package-reader.ts';
import { createTestSkillRuntime, type TestSkillRuntime } from '@talon/core/testing/skill-runtime.ts';

/**
 * `talon-skill run` promises the outcome the host gives. Each skill below misbehaves in its own way;
 * it is run once by the real CLI and once by the host's runtime, and both must end the same way.
 */
const HOSTILE: {
  name: string;
  expected: { ok: boolean; code?: string; branch?: string };
  permissions?: string[];
  net?: string[];
  limits?: Record<string, number>;
  routes?: string[];
  code: string;
}[] = [
  {
    name: 'spins_forever',
    expected: { ok: false, code: 'timeout' },
    limits: { cpuTimeoutMs: 200, wallTimeoutMs: 2000 },
    code: 'export default { run() { for (;;) {} } };',
  },
  {
    name: 'eats_memory',
    expected: { ok: false, code: 'memory_limit' },
    limits: { memoryMb: 16, wallTimeoutMs: 10000 },
    code: 'export default { run() { const keep = []; for (;;) keep.push(new Array(100000).fill(Math.random())); } };',
  },
  {
    name: 'throws',
    expected: { ok: false, code: 'skill_error' },
    code: 'export default { run() { throw new Error("no thanks"); } };',
  },
  {
    name: 'returns_function',
    expected: { ok: false, code: 'invalid_result' },
    code: 'export default { run() { return { f: () => 1 }; } };',
  },
  {
    name: 'huge_result',
    expected: { ok: false, code: 'result_too_large' },
    code: 'export default { run() { return "x".repeat(3 * 1024 * 1024); } };',
  },
  {
    name: 'unknown_branch',
    expected: { ok: false, code: 'invalid_branch' },
    code: 'export default { run() { return { $branch: "on_weird", result: 1 }; } };',
  },
  {
    name: 'ungranted_storage',
    expected: { ok: false, code: 'permission_denied' },
    code: 'export default { async run({ api }) { return await api.storage.get("k"); } };',
  },
  {
    name: 'reaches_process',
    expected: { ok: false, code: 'skill_error' },
    code: 'export default { run() { return process.env; } };',
  },
  {
    name: 'reaches_require',
    expected: { ok: true, branch: 'on_success' },
    // Written so that the bundle scan does not see a require() call: the isolate must simply not have one.
    code: 'export default { run() { const r = globalThis["req" + "uire"]; return typeof r === "function" ? r("fs") : typeof r; } };',
  },
  {
    name: 'reaches_localhost',
    expected: { ok: false, code: 'host_not_allowed' },
    permissions: ['http'],
    net: ['127.0.0.1:9'],
    code: 'export default { async run({ api }) { return (await api.http.fetch("http://127.0.0.1:9/")).body; } };',
  },
  {
    name: 'forges_api_code',
    expected: { ok: false, code: 'skill_error' },
    code: 'export default { run() { const e = new Error("fake"); e.code = "permission_denied"; throw e; } };',
  },
  {
    name: 'good_branch',
    expected: { ok: true, branch: 'on_other' },
    routes: ['on_success', 'on_other', 'on_error'],
    code: 'export default { run({ input }) { return { $branch: "on_other", result: input }; } };',
  },
];

const bin = fileURLToPath(new URL('../../plugins-sdk/bin/talon-skill.js', import.meta.url));
const exec = promisify(execFile);
let host: TestSkillRuntime;
let root: string;

async function viaCli(folder: string): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await exec(process.execPath, [bin, 'run', folder, '--input', '"in"'], {
      timeout: 60_000,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch (error) {
    return JSON.parse((error as { stdout: string }).stdout) as Record<string, unknown>;
  }
}

function outcome(result: Record<string, unknown>): { ok: unknown; code: unknown; branch: unknown } {
  return {
    ok: result['ok'],
    code: (result['error'] as { code?: unknown } | undefined)?.code,
    branch: result['branch'],
  };
}

beforeAll(async () => {
  host = await createTestSkillRuntime({ sandbox: { spareWorkers: 0 } });
  root = await mkdtemp(path.join(tmpdir(), 'talon-parity-'));
  await chmod(root, 0o755);
});

afterAll(async () => {
  await host?.close();
  await rm(root, { recursive: true, force: true });
});

describe('talon-skill run and the host give the same outcome', () => {
  for (const skill of HOSTILE) {
    it(
      skill.name,
      async () => {
        // The grant of `ungranted_storage` is narrower than its request on both sides.
        const asked = skill.name === 'ungranted_storage' ? ['storage'] : (skill.permissions ?? []);
        const manifest = {
          name: skill.name,
          version: '1.0.0',
          description: `hostile: ${skill.name}`,
          permissions: asked,
          ...(skill.net ? { net: skill.net } : {}),
          ...(skill.limits ? { limits: skill.limits } : {}),
          ...(skill.routes ? { routes: skill.routes } : {}),
        };
        const folder = path.join(root, skill.name);
        await mkdir(folder, { mode: 0o755 });
        await writeFile(path.join(folder, 'skill.json'), JSON.stringify(manifest));
        await writeFile(path.join(folder, 'index.js'), skill.code);

        const cliArgsGrant = skill.name === 'ungranted_storage' ? [] : undefined;
        const cli =
          cliArgsGrant === undefined
            ? await viaCli(folder)
            : await exec(process.execPath, [bin, 'run', folder, '--input', '"in"', '--grant', ''], {
                timeout: 60_000,
              }).then(
                ({ stdout }) => JSON.parse(stdout) as Record<string, unknown>,
                (error: { stdout: string }) => JSON.parse(error.stdout) as Record<string, unknown>,
              );

        await host.runtime.install({
          manifest: manifest as never,
          code: skill.code,
          checksum: '0'.repeat(64),
          kind: 'dynamic',
          grants: {
            permissions: skill.name === 'ungranted_storage' ? [] : (asked as never[]),
            net: skill.net ?? [],
            secrets: [],
            invokes: [],
          },
        });
        const hosted = (await host.runtime.run(skill.name, { input: 'in' })) as unknown as Record<
          string,
          unknown
        >;
        expect(outcome(cli)).toEqual(outcome(hosted));
        expect(outcome(hosted)).toMatchObject(skill.expected);
      },
      60_000,
    );
  }

  it('a package the host refuses to load is refused by run, for the same reason', async () => {
    const code =
      'const fs = require("fs");\nexport default { run() { return fs.readFileSync("/etc/passwd", "utf8"); } };';
    const manifest = { name: 'requires_fs', version: '1.0.0', description: 'hostile', permissions: [] };
    const folder = path.join(root, 'requires_fs');
    await mkdir(folder, { mode: 0o755 });
    await writeFile(path.join(folder, 'skill.json'), JSON.stringify(manifest));
    await writeFile(path.join(folder, 'index.js'), code);
    const cli = await viaCli(folder);
    expect(cli).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', message: expect.stringContaining('calls require() for "fs"') },
    });
    await expect(validatePackage(JSON.stringify(manifest), code, { kind: 'dynamic' })).rejects.toThrow(
      'calls require() for "fs"',
    );
  });
});
