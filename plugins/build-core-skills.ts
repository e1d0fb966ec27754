/**
 * Builds every core skill in plugins/ with the SDK's own `talon-skill build` (exactly as a
 * third-party author builds theirs) and records each package's checksum in plugins/checksums.json.
 * The host verifies the core skills against that file at every start.
 *
 *   pnpm build:plugins           build, write each index.js and checksums.json
 *   pnpm build:plugins --verify  build in memory; fail if a bundle or checksum differs from the files
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSkill, type BuildResult } from '@talon/plugins-sdk/cli/build.ts';

export const PLUGINS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const CHECKSUMS_FILE = path.join(PLUGINS_DIR, 'checksums.json');

export interface CoreChecksumsFile {
  format: 'talon-core-skills/1';
  skills: Record<string, { version: string; checksum: string }>;
}

/** Builds each folder of plugins/ that has a skill.json, in name order. */
export async function buildCoreSkills(options: { write: boolean }): Promise<BuildResult[]> {
  const results: BuildResult[] = [];
  const entries = await readdir(PLUGINS_DIR, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name === 'node_modules') continue;
    const folder = path.join(PLUGINS_DIR, entry.name);
    if (!(await stat(path.join(folder, 'skill.json')).catch(() => undefined))) continue;
    results.push(await buildSkill({ folder, core: true, write: options.write }));
  }
  return results;
}

export function checksumsOf(results: readonly BuildResult[]): CoreChecksumsFile {
  return {
    format: 'talon-core-skills/1',
    skills: Object.fromEntries(results.map((r) => [r.name, { version: r.version, checksum: r.checksum }])),
  };
}

/** What differs between a fresh build and the committed bundles and checksums; empty when in step. */
export async function verifyCoreSkills(): Promise<string[]> {
  const results = await buildCoreSkills({ write: false });
  const problems: string[] = [];
  for (const result of results) {
    const committed = await readFile(result.bundlePath, 'utf8').catch(() => undefined);
    if (committed !== result.code)
      problems.push(`plugins/${result.name}/index.js is not the build of its src/`);
  }
  const recorded = await readFile(CHECKSUMS_FILE, 'utf8').then(
    (text) => JSON.parse(text) as unknown,
    () => undefined,
  );
  if (JSON.stringify(recorded) !== JSON.stringify(checksumsOf(results))) {
    problems.push('plugins/checksums.json does not match a fresh build');
  }
  return problems;
}

async function main(): Promise<void> {
  if (process.argv.includes('--verify')) {
    const problems = await verifyCoreSkills();
    for (const problem of problems) console.error(`${problem}: run "pnpm build:plugins" and commit`);
    process.exitCode = problems.length > 0 ? 1 : 0;
    return;
  }
  const content = `${JSON.stringify(checksumsOf(await buildCoreSkills({ write: true })), null, 2)}\n`;
  await writeFile(CHECKSUMS_FILE, content);
  process.stdout.write(content);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
