/**
 * Every skill of the hostile suite (tests/hostile/skills) is run once the way `talon-skill run`
 * runs it (the SDK's sandbox runner with the local SkillAPI built on the host's gate) and once by the
 * host's runtime, with the same limits; both must end the same way. Packages the host refuses are
 * refused by the CLI's checks too.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestedGrants } from '@talon/skill-runtime/contract/requested-grants.ts';
import { runSkillOnce } from '@talon/plugins-sdk/cli/run.ts';
import { validatePackage } from '@talon/skill-runtime/package/package-reader.ts';
import { createTestSkillRuntime, type TestSkillRuntime } from '@talon/core/testing/skill-runtime.ts';
import type {
  JsonValue,
  SkillManifest,
  SkillPackage,
  SkillRunResult,
} from '@talon/skill-runtime/contract/runtime-contract.ts';

const SUITE = path.join(import.meta.dirname, '..', 'hostile', 'skills');
// The hostile suite's short limits, written into each manifest so both sides apply the same ones.
const LIMITS = { cpuTimeoutMs: 300, wallTimeoutMs: 1500, memoryMb: 32 };

/** Helpers of the suite, not attacks: they are run as the callees of the attacks below. */
const HELPERS = new Set(['benign_doubler', 'privileged_vault']);

/**
 * What an attack needs besides itself, given the same way to both sides: other skills to invoke
 * (`--with` / installed in the host), the owner's network opt-in (`--allow-private-addresses
 * --allow-plain-http` / the settings `skills.http.*`), its input, and a manifest fixed up for the
 * test's loopback server. Each needed-for reason is written beside it.
 */
interface Setup {
  with?: string[];
  privateNetwork?: boolean;
  input?: () => JsonValue;
  manifest?: (manifest: SkillManifest) => SkillManifest;
  /** Also compare the result value, not only how the run ended. */
  compareResult?: boolean;
  /** What both sides must show beyond ending the same way. */
  bothSaw?: (run: SkillRunResult) => void;
}
const SETUP: Record<string, Setup> = {
  // Holds only skills.invoke and asks the storage-holding vault to write: the vault runs with nothing.
  invoke_escalation: { with: ['privileged_vault'], compareResult: true },
  // Invokes itself until the chain is deeper than 3.
  invoke_chain_bomb: { compareResult: true },
  // Invokes a skill it did not declare: refused the same way whether or not that skill is loaded.
  invoke_undeclared: { with: ['privileged_vault'], compareResult: true },
  // The loopback server answers with a redirect to a host off the allowlist.
  http_redirect_off_list: {
    privateNetwork: true,
    input: () => ({ url: `http://127.0.0.1:${redirectPort}/start` }),
    manifest: (manifest) => ({ ...manifest, net: [`127.0.0.1:${redirectPort}`] }),
    // Reached the server (the opt-in works), then refused the hop (not refused for loopback).
    bothSaw: (run) => {
      expect(run.ok ? '' : run.error.message).toContain('attacker.example.net');
    },
  },
};

/**
 * V8 may end these two ways (which limit is hit first is a race, in the host as well as here);
 * both sides must end in one of them.
 */
const EITHER: Record<string, string[]> = {
  array_1e9: ['memory_limit', 'crashed'],
  giant_string: ['skill_error', 'memory_limit'],
  // Its promise chain grows the heap while it burns CPU: the memory or the CPU limit ends it.
  microtask_flood: ['timeout', 'memory_limit'],
};

let host: TestSkillRuntime;
let root: string;
let redirectServer: Server;
let redirectPort: number;
const redirectRequests: string[] = [];
const names = (await readdir(SUITE)).filter((name) => !HELPERS.has(name)).sort();

beforeAll(async () => {
  // No `network` option: the host follows the owner's settings, which the cases turn on and off.
  host = await createTestSkillRuntime({ sandbox: { spareWorkers: 0 } });
  root = await mkdtemp(path.join(tmpdir(), 'talon-hostile-parity-'));
  await chmod(root, 0o755);
  redirectServer = createServer((request, response) => {
    redirectRequests.push(request.url ?? '');
    response.writeHead(302, { location: 'http://attacker.example.net/collect' }).end();
  });
  await new Promise<void>((resolve) => redirectServer.listen(0, '127.0.0.1', resolve));
  redirectPort = (redirectServer.address() as AddressInfo).port;
});

afterAll(async () => {
  await host?.close();
  await new Promise((resolve) => redirectServer?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

/** Copies a suite skill into its own folder, with the suite's short limits written into skill.json. */
async function prepare(
  name: string,
  fix: (manifest: SkillManifest) => SkillManifest = (manifest) => manifest,
): Promise<{ folder: string; manifest: SkillManifest; code: string }> {
  const folder = path.join(root, name);
  await cp(path.join(SUITE, name), folder, { recursive: true });
  const original = JSON.parse(await readFile(path.join(folder, 'skill.json'), 'utf8')) as SkillManifest;
  const manifest = fix({ ...original, limits: { ...LIMITS, ...original.limits } });
  await writeFile(path.join(folder, 'skill.json'), JSON.stringify(manifest));
  return { folder, manifest, code: await readFile(path.join(folder, 'index.js'), 'utf8') };
}

function hostPackage(prepared: { manifest: SkillManifest; code: string }): SkillPackage {
  return {
    manifest: prepared.manifest,
    code: prepared.code,
    checksum: '0'.repeat(64),
    kind: 'dynamic',
    grants: requestedGrants(prepared.manifest),
  };
}

async function setPrivateNetwork(on: boolean): Promise<void> {
  await host.settings.set('skills.http.allow_private_addresses', on);
  await host.settings.set('skills.http.allow_plain_http', on);
}

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
        const setup = SETUP[name] ?? {};
        const attack = await prepare(name, setup.manifest);
        const helpers = await Promise.all((setup.with ?? []).map((helper) => prepare(helper)));
        const input = setup.input ? setup.input() : null;

        const hostRefusal = await validatePackage(JSON.stringify(attack.manifest), attack.code, {
          kind: 'dynamic',
        }).then(
          () => undefined,
          (error: Error) => error.message,
        );
        const cli = await runSkillOnce(
          {
            folder: attack.folder,
            input: JSON.stringify(input),
            config: undefined,
            grant: undefined,
            with: helpers.map((helper) => helper.folder),
            allowPrivateAddresses: setup.privateNetwork === true,
            allowPlainHttp: setup.privateNetwork === true,
          },
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

        for (const skill of [attack, ...helpers]) await host.runtime.install(hostPackage(skill));
        await setPrivateNetwork(setup.privateNetwork === true);
        const requestsBefore = redirectRequests.length;
        const hosted = await host.runtime.run(name, { input });
        await setPrivateNetwork(false);
        for (const skill of [attack, ...helpers]) await host.runtime.uninstall(skill.manifest.name);

        if (setup.bothSaw) {
          setup.bothSaw(cli.result);
          setup.bothSaw(hosted);
          expect(redirectRequests.length - requestsBefore, 'the host made one request').toBe(1);
        }
        if (setup.compareResult) {
          expect(cli.result.ok && cli.result.result, JSON.stringify(cli.result)).toEqual(
            hosted.ok && hosted.result,
          );
        }
        const either = EITHER[name];
        if (either) {
          expect(either).toContain(outcome(cli.result)['code']);
          expect(either).toContain(outcome(hosted)['code']);
        } else {
          expect(
            outcome(cli.result),
            `talon-skill run: ${JSON.stringify(cli.result)}; host: ${JSON.stringify(hosted)}`,
          ).toEqual(outcome(hosted));
        }
      },
      60_000,
    );
  }
});
