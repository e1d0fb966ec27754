import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalGrants } from '../api-handler.ts';
import { formatBundleProblems, scanBundle } from '../bundle-scan.ts';
import { decodeUtf8Strict } from '../checksum.ts';
import { SkillSandboxRunner, toRunApiCalls } from '../sandbox-runner.ts';
import { formatManifestProblems, parseManifest } from '../validate-manifest.ts';
import { FakeSkillApi } from './fake-api.ts';
import type { loadSkill as declaredLoadSkill } from './public-entry.ts';
import type { LoadedSkill, LoadSkillOptions } from './types.ts';

export type { LoadedSkill, LoadSkillOptions };

function folderPath(folder: string | URL): string {
  return folder instanceof URL ? fileURLToPath(folder) : path.resolve(folder);
}

/**
 * Loads a built skill folder (skill.json + index.js) into Talon's real sandbox, after the same
 * manifest and bundle checks Talon makes, with a fake SkillAPI the test scripts and asserts on.
 */
export async function loadSkill(folder: string | URL, options: LoadSkillOptions = {}): Promise<LoadedSkill> {
  const where = folderPath(folder);
  const manifestText = await readFile(path.join(where, 'skill.json'), 'utf8').catch(() => {
    throw new Error(`${where}/skill.json not found`);
  });
  const parsed = parseManifest(manifestText, { kind: options.core ? 'core' : 'dynamic' });
  if (!parsed.ok) throw new Error(`skill.json is invalid: ${formatManifestProblems(parsed.problems)}`);
  const bytes = await readFile(path.join(where, 'index.js')).catch(() => {
    throw new Error(`${where}/index.js not found: run "talon-skill build" first`);
  });
  const code = decodeUtf8Strict(bytes, 'index.js');
  const scan = await scanBundle(code);
  if (!scan.ok) throw new Error(`Talon would refuse index.js: ${formatBundleProblems(scan.problems)}`);
  const manifest = parsed.manifest;
  const grants: LocalGrants = {
    permissions: options.grants?.permissions ?? [...manifest.permissions],
    net: options.grants?.net ?? [...(manifest.net ?? [])],
    secrets: options.grants?.secrets ?? [...(manifest.secrets ?? [])],
  };
  const api = new FakeSkillApi();
  const runner = await SkillSandboxRunner.open(manifest, code);
  return {
    manifest,
    api,
    grants,
    run: (request) =>
      runner.run(request, { handler: api.handler(grants), records: () => toRunApiCalls(api.calls) }),
    close: () => runner.close(),
  };
}

// The installed type entry declares this very function: a mismatch fails the type check.
loadSkill satisfies typeof declaredLoadSkill;
