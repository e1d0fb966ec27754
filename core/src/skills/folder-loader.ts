import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { skillChecksum } from '../../../plugins-sdk/src/checksum.ts';
import { formatManifestProblems, parseManifest } from '../../../plugins-sdk/src/validate-manifest.ts';
import { TalonError } from '../errors.ts';
import type { SkillKind, SkillPackage, SkillRuntime } from './contract.ts';

const MAX_MANIFEST_BYTES = 64 * 1024;
const MAX_CODE_BYTES = 5 * 1024 * 1024;

async function readCapped(file: string, maxBytes: number): Promise<string> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new TalonError('invalid_skill', `${path.basename(file)} is missing in ${path.dirname(file)}`, 400);
  }
  if (size > maxBytes) {
    throw new TalonError('invalid_skill', `${path.basename(file)} is larger than ${maxBytes} bytes`, 400);
  }
  return readFile(file, 'utf8');
}

/**
 * Reads a hand-written skill folder (`skill.json` + `index.js`) into a package whose grants are
 * exactly what the manifest asks for. The manifest is validated with ajv before any code is read.
 * This is the minimal policy for a folder the owner placed by hand; the skill lifecycle (approvals,
 * pinned checksums, 2FA) replaces it for everything else.
 */
export async function readSkillFolder(folder: string, kind: SkillKind = 'dynamic'): Promise<SkillPackage> {
  const validation = parseManifest(await readCapped(path.join(folder, 'skill.json'), MAX_MANIFEST_BYTES), {
    kind,
  });
  if (!validation.ok) {
    throw new TalonError(
      'invalid_manifest',
      `skill.json in ${folder}: ${formatManifestProblems(validation.problems)}`,
      400,
    );
  }
  const { manifest } = validation;
  const code = await readCapped(path.join(folder, 'index.js'), MAX_CODE_BYTES);
  return {
    manifest,
    code,
    checksum: skillChecksum(manifest, code),
    kind,
    grants: {
      permissions: [...manifest.permissions],
      net: [...(manifest.net ?? [])],
      secrets: [...(manifest.secrets ?? [])],
    },
  };
}

/** Reads and installs a skill folder; returns the installed package. */
export async function installSkillFolder(runtime: SkillRuntime, folder: string): Promise<SkillPackage> {
  const pkg = await readSkillFolder(folder);
  await runtime.install(pkg);
  return pkg;
}
