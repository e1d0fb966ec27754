/**
 * Every skill of the hostile suite (tests/hostile/skills) is run once the way `talon-skill run`
 * runs it (the SDK's sandbox runner with the local SkillAPI built on the host's gate) and once by the
 * host's runtime, with the same limits; both must end the same way. Packages the host refuses are
 * refused by the CLI's checks too.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSkillOnce } from '../../plugins-sdk/src/cli/run.ts';
import { validatePackage } from '../../core/src/skills/package-reader.ts';
import { createTestSkillRuntime, type TestSkillRuntime } from '../../core/src/testing/skill-runtime.ts';
import type { SkillManifest } from '../../core/src/skills/contract.ts';

const SUITE = path.join(import.meta.dirname, '..', 'hostile', 'skills');
// The hostile suite's short limits, written into each manifest so both sides apply the same ones.
const LIMITS = { cpuTimeoutMs: 300, wallTimeoutMs: 1500, memoryMb: 32 };

/** Not comparable by design: they need other loaded skills, or a network opt-in only Talon's owner can give. */
const ONLY_IN_TALON: Record<string, string> = {
  benign_doubler: 'a helper of the suite',
  privileged_vault: 'a helper of the suite',
  invoke_escalation: 'skills.invoke needs other loaded skills',
  invoke_chain_bomb: 'skills.invoke needs other loaded skills',
  http_redirect_off_list: 'needs the loopback opt-in of the suite',
};

/** V8 may end these two ways; both sides must end in one of them. */
const EITHER: Record<string, string[]> = {
  array_1e9: ['memory_limit', 'crashed'],
  giant_string: ['skill_error', 'memory_limit'],
};

let host: TestSkillRuntime;
let root: string;
const names = (await readdir(SUITE)).filter((name) => !(name in ONLY_IN_TALON)).sort();

beforeAll(async () => {
  host = await createTestSkillRuntime({ sandbox: { spareWorkers: 0 } });
  root = await mkdtemp(path.join(tmpdir(), 'talon-hostile-parity-'));
  await chmod(root, 0o755);
});

afterAll(async () => {
  await host?.close();
  await rm(root, { recursive: true, force: true });
});

function outcome(result: {
  ok: boolean;
  error?: { code: string };
  branch?: string;
}): Record<string, unknown> {
  return { ok: result.ok, code: result.error?.code, branch: result.branch };
}

describe('the hostile suite ends the same way under talon-skill run and in the host', () => {
  for (const name of names) {
    it(
      name,
      async () => {
        const folder = path.join(root, name);
        await cp(path.join(SUITE, name), folder, { recursive: true });
        const manifest = JSON.parse(await readFile(path.join(folder, 'skill.json'), 'utf8')) as SkillManifest;
        const limited = { ...manifest, limits: { ...LIMITS, ...manifest.limits } };
        await writeFile(path.join(folder, 'skill.json'), JSON.stringify(limited));
        const code = await readFile(path.join(folder, 'index.js'), 'utf8');

        const hostRefusal = await validatePackage(JSON.stringify(limited), code, { kind: 'dynamic' }).then(
          () => undefined,
          (error: Error) => error.message,
        );
        const cli = await runSkillOnce(
          { folder, input: 'null', config: undefined, grant: undefined },
          () => undefined,
        ).then(
          (result) => ({ result }),
          (error: Error) => ({ refused: error.message }),
        );
        if (hostRefusal !== undefined) {
          expect('refused' in cli && cli.refused).toContain(hostRefusal.split(': ').pop());
          return;
        }
        expect('result' in cli, JSON.stringify(cli)).toBe(true);
        if (!('result' in cli)) return;

        await host.runtime.install({
          manifest: limited,
          code,
          checksum: '0'.repeat(64),
          kind: 'dynamic',
          grants: {
            permissions: [...limited.permissions],
            net: [...(limited.net ?? [])],
            secrets: [...(limited.secrets ?? [])],
          },
        });
        const hosted = await host.runtime.run(name, { input: null });
        await host.runtime.uninstall(name);

        const either = EITHER[name];
        if (either) {
          expect(either).toContain(outcome(cli.result)['code']);
          expect(either).toContain(outcome(hosted)['code']);
        } else {
          expect(outcome(cli.result), JSON.stringify(cli.result)).toEqual(outcome(hosted));
        }
      },
      60_000,
    );
  }
});
