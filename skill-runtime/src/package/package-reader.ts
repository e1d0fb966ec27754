import { formatBundleProblems, MAX_BUNDLE_BYTES, scanBundle } from '../../../plugins-sdk/src/bundle-scan.ts';
import { decodeUtf8Strict, skillChecksum } from '../../../plugins-sdk/src/checksum.ts';
import type { SkillManifest } from '../../../plugins-sdk/src/manifest.ts';
import { formatManifestProblems, parseManifest } from '../../../plugins-sdk/src/validate-manifest.ts';
import type { SkillKind } from './contract.ts';
import {
  assertSkillName,
  CODE_FILE,
  MANIFEST_FILE,
  MAX_MANIFEST_BYTES,
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
  const manifestBytes = await readSkillFile(folder, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  const codeBytes = await readSkillFile(folder, CODE_FILE, MAX_BUNDLE_BYTES);
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
