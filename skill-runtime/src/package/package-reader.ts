import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { formatBundleProblems, scanBundle } from '../contract/bundle-scan.ts';
import { decodeUtf8Strict, skillChecksum } from '../contract/checksum.ts';
import type { SkillManifest } from '../contract/manifest.ts';
import { formatManifestProblems, parseManifest } from '../contract/validate-manifest.ts';
import type { SkillKind, SkillPackage } from '../contract/runtime-contract.ts';
import { requestedGrants } from '../contract/requested-grants.ts';
import { PACKAGE_LIMITS } from '../limits.ts';
import {
  assertSkillName,
  CODE_FILE,
  MANIFEST_FILE,
  readSkillFile,
  resolveSkillFolder,
  SkillFolderError,
} from './skills-folder.ts';

/** A skill package read from somewhere and fully validated, before any of its code has run. */
export interface ValidatedPackage {
  manifest: SkillManifest;
  /** `skill.json` exactly as written, kept so that a restored copy is byte for byte the approved one. */
  manifestSource: string;
  code: string;
  checksum: string;
}

/**
 * Validates a package's two texts the same way whatever they came from (a folder, an upload): the
 * manifest against the SDK's schema, the bundle against the SDK's scan, then the checksum.
 */
export async function validatePackage(
  manifestSource: string,
  code: string,
  options: { kind: SkillKind; expectedName?: string },
): Promise<ValidatedPackage> {
  const parsed = parseManifest(manifestSource, { kind: options.kind });
  if (!parsed.ok) {
    throw new SkillFolderError(
      'manifest_invalid',
      `skill.json${options.expectedName ? ` of "${options.expectedName}"` : ''} is invalid: ${formatManifestProblems(parsed.problems)}`,
    );
  }
  assertSkillName(parsed.manifest.name);
  if (options.expectedName !== undefined && parsed.manifest.name !== options.expectedName) {
    throw new SkillFolderError(
      'skill_name_mismatch',
      `skill.json names the skill "${parsed.manifest.name}" but its folder is "${options.expectedName}": they must be the same`,
    );
  }
  const scan = await scanBundle(code);
  if (!scan.ok) {
    throw new SkillFolderError(
      'bundle_invalid',
      `index.js of "${parsed.manifest.name}" is refused: ${formatBundleProblems(scan.problems)}`,
    );
  }
  return {
    manifest: parsed.manifest,
    manifestSource,
    code,
    checksum: skillChecksum(parsed.manifest, code),
  };
}

/** Reads `<skillsDir>/<name>` under the folder rules and validates it. */
export async function readSkillFolder(
  skillsDirReal: string,
  name: string,
  kind: SkillKind,
): Promise<ValidatedPackage & { folder: string }> {
  const folder = await resolveSkillFolder(skillsDirReal, name);
  const manifestBytes = await readSkillFile(folder, MANIFEST_FILE, PACKAGE_LIMITS.maxManifestBytes);
  const codeBytes = await readSkillFile(folder, CODE_FILE, PACKAGE_LIMITS.maxBundleBytes);
  let manifestSource: string;
  let code: string;
  try {
    manifestSource = decodeUtf8Strict(manifestBytes, `${name}/${MANIFEST_FILE}`);
    code = decodeUtf8Strict(codeBytes, `${name}/${CODE_FILE}`);
  } catch (error) {
    throw new SkillFolderError('skill_file_invalid', (error as Error).message);
  }
  return { ...(await validatePackage(manifestSource, code, { kind, expectedName: name })), folder };
}

/**
 * Reads a skill folder given by its path (an author's folder, a test's), under the same rules and
 * checks as a folder of Talon's skills folder: the folder is read as `<parent>/<name>`.
 */
export async function readSkillFolderAt(
  folderPath: string,
  kind: SkillKind,
): Promise<ValidatedPackage & { folder: string }> {
  let real: string;
  try {
    real = await realpath(folderPath);
  } catch {
    throw new SkillFolderError('skill_not_found', `There is no skill folder at ${folderPath}`, 404);
  }
  return readSkillFolder(path.dirname(real), path.basename(real), kind);
}

/**
 * A read package granted exactly what its manifest asks for: what `talon-skill run` and tests load.
 * Talon itself grants only what the owner approved (the skill lifecycle).
 */
export function grantedAsRequested(pkg: ValidatedPackage, kind: SkillKind): SkillPackage {
  const { manifest } = pkg;
  return {
    manifest,
    code: pkg.code,
    checksum: pkg.checksum,
    kind,
    grants: requestedGrants(manifest),
  };
}
