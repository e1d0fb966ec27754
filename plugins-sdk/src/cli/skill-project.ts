import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeUtf8Strict } from '@talon/skill-runtime/contract/checksum.ts';
import type { SkillManifest } from '@talon/skill-runtime/contract/manifest.ts';
import {
  formatManifestProblems,
  parseManifest,
  type ManifestValidationOptions,
} from '@talon/skill-runtime/contract/validate-manifest.ts';
import { CliError } from './output.ts';

export const MANIFEST_FILE = 'skill.json';
export const BUNDLE_FILE = 'index.js';
/** Where `build` looks for the skill's source, in this order. */
export const SOURCE_ENTRIES = ['src/index.ts', 'src/index.js', 'src/index.mts', 'src/index.mjs'];

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Reads and validates `<folder>/skill.json`, or explains what is wrong with it. */
export async function readManifest(
  folder: string,
  options: ManifestValidationOptions = {},
): Promise<{ manifest: SkillManifest; source: string }> {
  const file = path.join(folder, MANIFEST_FILE);
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch {
    throw new CliError(`${file} not found: run "talon-skill init <name>" to start a skill, or cd into one`);
  }
  const parsed = parseManifest(source, options);
  if (!parsed.ok) throw new CliError(`${file} is invalid: ${formatManifestProblems(parsed.problems)}`);
  return { manifest: parsed.manifest, source };
}

export async function readBundle(folder: string): Promise<string> {
  const file = path.join(folder, BUNDLE_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new CliError(`${file} not found: run "talon-skill build" first`);
  }
  try {
    return decodeUtf8Strict(bytes, file);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

export async function findSourceEntry(folder: string): Promise<string> {
  for (const entry of SOURCE_ENTRIES) {
    if (await exists(path.join(folder, entry))) return path.join(folder, entry);
  }
  throw new CliError(`No source found in ${folder}: write the skill in ${SOURCE_ENTRIES[0]}`);
}
