import { chmod, mkdtemp, rename, rm, writeFile, lstat } from 'node:fs/promises';
import path from 'node:path';
import { CODE_FILE, MANIFEST_FILE, assertSkillName } from '@talon/skill-runtime/package/skills-folder.ts';

export interface FolderReplacement {
  /** Where the folder that was there before now is (hidden, so no scan sees it), if there was one. */
  previous: string | undefined;
  /** Puts the previous folder back (or removes the new one when there was none). */
  rollback(): Promise<void>;
  /** Deletes the previous folder once the new one is approved. */
  discardPrevious(): Promise<void>;
}

/**
 * Writes `skill.json` and `index.js` as `<skillsDir>/<name>/`, replacing what was there in two
 * renames so no reader ever sees a half-written folder. The previous folder is moved aside under a
 * hidden name, for a rollback or, after a restore, as evidence of what had been changed.
 */
export async function replaceSkillFolder(
  skillsDirReal: string,
  name: string,
  files: { manifestSource: string; code: string },
  asidePrefix: 'replaced' | 'tampered' = 'replaced',
): Promise<FolderReplacement> {
  assertSkillName(name);
  const target = path.join(skillsDirReal, name);
  const incoming = await mkdtemp(path.join(skillsDirReal, `.incoming-${name}-`));
  try {
    await chmod(incoming, 0o755);
    await writeFile(path.join(incoming, MANIFEST_FILE), files.manifestSource, { mode: 0o644, flag: 'wx' });
    await writeFile(path.join(incoming, CODE_FILE), files.code, { mode: 0o644, flag: 'wx' });
  } catch (error) {
    await rm(incoming, { recursive: true, force: true });
    throw error;
  }
  let previous: string | undefined;
  const exists = await lstat(target).then(
    () => true,
    () => false,
  );
  if (exists) {
    previous = path.join(skillsDirReal, `.${asidePrefix}-${name}-${Date.now()}`);
    await rename(target, previous);
  }
  try {
    await rename(incoming, target);
  } catch (error) {
    if (previous) await rename(previous, target);
    await rm(incoming, { recursive: true, force: true });
    throw error;
  }
  return {
    previous,
    rollback: async () => {
      await rm(target, { recursive: true, force: true });
      if (previous) await rename(previous, target);
    },
    discardPrevious: async () => {
      if (previous) await rm(previous, { recursive: true, force: true });
    },
  };
}
