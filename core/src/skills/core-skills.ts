import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { errorMessage, TalonError } from '../errors.ts';
import { readSkillFolder, type ValidatedPackage } from '@talon/skill-runtime/package/package-reader.ts';
import { prepareSkillsDir } from '@talon/skill-runtime/package/skills-folder.ts';

/** Where Talon's own skills live in this checkout: `<repo>/plugins`. */
export const DEFAULT_CORE_SKILLS_DIR = fileURLToPath(new URL('../../../plugins/', import.meta.url));

/** Written by `pnpm build:plugins` (plugins/build-core-skills.ts) when the core skills are built. */
export const CORE_CHECKSUMS_FILE = 'checksums.json';

const checksumsFile = z.object({
  format: z.literal('talon-core-skills/1'),
  skills: z.record(
    z.string(),
    z.object({ version: z.string(), checksum: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
});
export type CoreChecksums = z.infer<typeof checksumsFile>;

export interface CoreSkillFailure {
  name: string;
  reason: string;
  expectedChecksum: string | undefined;
  actualChecksum: string | undefined;
}

export interface CoreSkillsRead {
  /** Every core name, verified or not: none of them may be taken by a dynamic skill. */
  names: string[];
  verified: ValidatedPackage[];
  failed: CoreSkillFailure[];
}

async function readChecksums(dir: string): Promise<CoreChecksums> {
  const file = path.join(dir, CORE_CHECKSUMS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new TalonError(
      'core_checksums_missing',
      `${file} is missing: build the core skills with "pnpm build:plugins"`,
      500,
    );
  }
  const parsed = checksumsFile.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new TalonError('core_checksums_invalid', `${file} is malformed: ${parsed.error.message}`, 500);
  }
  return parsed.data;
}

/** The folders of `plugins/` that hold a skill (they have a skill.json). */
async function coreSkillFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const hasManifest = await readFile(path.join(dir, entry.name, 'skill.json')).then(
      () => true,
      () => false,
    );
    if (hasManifest) names.push(entry.name);
  }
  return names.sort();
}

/**
 * Reads and verifies the core skills against the checksums computed when they were built. A core skill
 * that does not match (edited after the build, not built, missing) is reported, never returned.
 */
export async function readCoreSkills(dir: string): Promise<CoreSkillsRead> {
  const real = await prepareSkillsDir(dir);
  const checksums = await readChecksums(real);
  const verified: ValidatedPackage[] = [];
  const failed: CoreSkillFailure[] = [];
  const names = await coreSkillFolders(real);
  for (const name of names) {
    const expected = checksums.skills[name]?.checksum;
    if (expected === undefined) {
      failed.push({
        name,
        reason: `plugins/${name} has no build-time checksum: build it with "pnpm build:plugins"`,
        expectedChecksum: undefined,
        actualChecksum: undefined,
      });
      continue;
    }
    try {
      const read = await readSkillFolder(real, name, 'core');
      if (read.checksum !== expected) {
        failed.push({
          name,
          reason: `plugins/${name} does not match its build-time checksum: it was changed after the build`,
          expectedChecksum: expected,
          actualChecksum: read.checksum,
        });
        continue;
      }
      verified.push(read);
    } catch (error) {
      failed.push({
        name,
        reason: errorMessage(error),
        expectedChecksum: expected,
        actualChecksum: undefined,
      });
    }
  }
  for (const [name, entry] of Object.entries(checksums.skills)) {
    if (!names.includes(name)) {
      failed.push({
        name,
        reason: `plugins/${name} is listed in ${CORE_CHECKSUMS_FILE} but missing`,
        expectedChecksum: entry.checksum,
        actualChecksum: undefined,
      });
    }
  }
  const allNames = [...new Set([...names, ...Object.keys(checksums.skills)])].sort();
  return { names: allNames, verified, failed };
}
