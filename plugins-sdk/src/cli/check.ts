import path from 'node:path';
import { scanBundle } from '@talon/skill-runtime/contract/bundle-scan.ts';
import { skillChecksum } from '@talon/skill-runtime/contract/checksum.ts';
import { DEFAULT_ROUTES } from '@talon/skill-runtime/contract/manifest.ts';
import { isLegacySecretGrant, secretGrantOf } from '@talon/skill-runtime/contract/secret-bindings.ts';
import { parseManifest } from '@talon/skill-runtime/contract/validate-manifest.ts';
import type { CliOutput } from './output.ts';
import { MANIFEST_FILE, readBundle } from './skill-project.ts';
import { readFile } from 'node:fs/promises';

export interface CheckOptions {
  folder: string;
  core?: boolean;
  json?: boolean;
}

export interface CheckReport {
  ok: boolean;
  name?: string;
  version?: string;
  checksum?: string;
  permissions?: string[];
  net?: string[];
  /** Each secret as the owner will approve it: bound to its hosts and header or query parameter. */
  secrets?: string[];
  invokes?: string[];
  routes?: string[];
  problems: string[];
}

/** Everything the host checks before it offers a package for approval, in the same words. */
export async function checkSkill(options: CheckOptions): Promise<CheckReport> {
  const folder = path.resolve(options.folder);
  const problems: string[] = [];
  let manifestSource: string | undefined;
  try {
    manifestSource = await readFile(path.join(folder, MANIFEST_FILE), 'utf8');
  } catch {
    problems.push(`${MANIFEST_FILE}: not found in ${folder}`);
  }
  const parsed =
    manifestSource === undefined
      ? undefined
      : parseManifest(manifestSource, { kind: options.core ? 'core' : 'dynamic' });
  if (parsed && !parsed.ok) {
    for (const problem of parsed.problems)
      problems.push(`${MANIFEST_FILE}: ${problem.field}: ${problem.message}`);
  }
  let code: string | undefined;
  try {
    code = await readBundle(folder);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (code !== undefined) {
    const scan = await scanBundle(code);
    for (const problem of scan.problems) {
      problems.push(
        `index.js${problem.line === undefined ? '' : `:${problem.line}:${problem.column ?? 0}`}: ${problem.message}`,
      );
    }
  }
  if (!parsed?.ok) return { ok: false, problems };
  const manifest = parsed.manifest;
  return {
    ok: problems.length === 0,
    name: manifest.name,
    version: manifest.version,
    ...(code !== undefined ? { checksum: skillChecksum(manifest, code) } : {}),
    permissions: manifest.permissions,
    net: manifest.net ?? [],
    secrets: (manifest.secrets ?? []).map(secretGrantOf),
    invokes: manifest.invokes ?? [],
    routes: manifest.routes ?? [...DEFAULT_ROUTES],
    problems,
  };
}

export async function checkCommand(options: CheckOptions, output: CliOutput): Promise<number> {
  const report = await checkSkill(options);
  if (options.json) {
    output.out(JSON.stringify(report));
    return report.ok ? 0 : 1;
  }
  for (const problem of report.problems) output.err(`✗ ${problem}`);
  if (report.name) {
    output.out(`${report.name} ${report.version}`);
    output.out(`  permissions: ${report.permissions?.join(', ') || '(none)'}`);
    if (report.net?.length) output.out(`  net: ${report.net.join(', ')}`);
    for (const secret of report.secrets ?? []) {
      output.out(
        `  secret: ${secret}${isLegacySecretGrant(secret) ? ' — bind it to its hosts: a bare handle enables nothing' : ''}`,
      );
    }
    if (report.invokes?.length) output.out(`  invokes: ${report.invokes.join(', ')}`);
    output.out(`  routes: ${report.routes?.join(', ')}`);
    if (report.checksum) output.out(`checksum ${report.checksum}`);
  }
  output.out(
    report.ok
      ? 'ok: Talon will offer this package for approval'
      : `refused: ${report.problems.length} problem(s)`,
  );
  return report.ok ? 0 : 1;
}
