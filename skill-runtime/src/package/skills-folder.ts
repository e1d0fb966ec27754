import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { TalonError } from '../errors.ts';

/**
 * The rules for what the host reads from a skills folder. AlexClaw accepted any path whose string
 * started with the skills dir; here every path is resolved to its real location first, and a
 * folder or file that leads outside, is owned by someone else or is writable by others is refused.
 */

export const SKILL_FOLDER_NAME_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;
export const MANIFEST_FILE = 'skill.json';
export const CODE_FILE = 'index.js';

export class SkillFolderError extends TalonError {
  constructor(code: string, message: string, statusCode = 400) {
    super(code, message, statusCode);
  }
}

/** Words the admin API uses after /api/skills/, so no skill can be named like them. */
export const RESERVED_SKILL_NAMES: readonly string[] = ['pending', 'approvals', 'upload'];

/** Refuses anything that is not a plain skill name: `..`, slashes, dots, capitals, empty. */
export function assertSkillName(name: string): void {
  if (RESERVED_SKILL_NAMES.includes(name)) {
    throw new SkillFolderError(
      'skill_name_invalid',
      `"${name}" is reserved by the admin API (${RESERVED_SKILL_NAMES.join(', ')}): choose another name`,
    );
  }
  if (!SKILL_FOLDER_NAME_PATTERN.test(name)) {
    throw new SkillFolderError(
      'skill_name_invalid',
      `${JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name)} is not a valid skill name: ` +
        'use 2–64 lower-case letters, digits and _, starting with a letter (no "..", "/" or dots)',
    );
  }
}

function trustedOwner(uid: number): boolean {
  const self = process.getuid?.();
  // Where there are no POSIX users (Windows) ownership cannot be checked.
  if (self === undefined) return true;
  return uid === self || uid === 0;
}

/** Owner and mode checks shared by the folder, `skill.json` and `index.js`. */
export function assertSafeOwnership(stats: Stats, what: string): void {
  if (!trustedOwner(stats.uid)) {
    throw new SkillFolderError(
      'skill_folder_unsafe',
      `${what} is owned by another user (uid ${stats.uid}): only files owned by the user running Talon (uid ${process.getuid?.()}) or root are accepted`,
    );
  }
  if ((stats.mode & 0o002) !== 0) {
    throw new SkillFolderError(
      'skill_folder_unsafe',
      `${what} is writable by every user (mode ${(stats.mode & 0o777).toString(8)}): run chmod o-w on it`,
    );
  }
  const ownGroup = process.getgid?.();
  if ((stats.mode & 0o020) !== 0 && ownGroup !== undefined && stats.gid !== ownGroup) {
    throw new SkillFolderError(
      'skill_folder_unsafe',
      `${what} is writable by group ${stats.gid}, which is not Talon's group: run chmod g-w on it`,
    );
  }
}

/** Creates the skills folder when missing and returns its real path, refusing an unsafe one. */
export async function prepareSkillsDir(skillsDir: string): Promise<string> {
  await mkdir(skillsDir, { recursive: true, mode: 0o755 });
  const real = await realpath(skillsDir);
  const stats = await stat(real);
  if (!stats.isDirectory()) {
    throw new SkillFolderError('skills_dir_invalid', `SKILLS_DIR (${skillsDir}) is not a folder`, 500);
  }
  assertSafeOwnership(stats, `SKILLS_DIR (${real})`);
  return real;
}

/**
 * The real path of `<skillsDir>/<name>`, which must be a folder directly inside the skills folder
 * (a symbolic link is followed only if it stays there) and must be safely owned.
 */
export async function resolveSkillFolder(skillsDirReal: string, name: string): Promise<string> {
  assertSkillName(name);
  const candidate = path.join(skillsDirReal, name);
  let link: Stats;
  try {
    link = await lstat(candidate);
  } catch {
    throw new SkillFolderError('skill_not_found', `There is no folder "${name}" in the skills folder`, 404);
  }
  const real = await realpath(candidate);
  if (path.dirname(real) !== skillsDirReal) {
    throw new SkillFolderError(
      'skill_path_outside',
      `"${name}" is a symbolic link that leads outside the skills folder (to ${real}): copy the skill into the skills folder instead`,
    );
  }
  const stats = link.isSymbolicLink() ? await stat(real) : link;
  if (!stats.isDirectory()) {
    throw new SkillFolderError(
      'skill_folder_invalid',
      `"${name}" is not a folder: a skill is a folder with skill.json and index.js`,
    );
  }
  assertSafeOwnership(stats, `The folder "${name}"`);
  return real;
}

/**
 * Reads one file of a skill folder without following links and checks the opened file itself, so the
 * file cannot be swapped between the check and the read.
 */
export async function readSkillFile(folder: string, file: string, maxBytes: number): Promise<Buffer> {
  const where = `${path.basename(folder)}/${file}`;
  let handle;
  try {
    handle = await open(path.join(folder, file), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SkillFolderError('skill_file_missing', `${where} is missing`, 400);
    }
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw new SkillFolderError(
        'skill_path_outside',
        `${where} is a symbolic link: a skill's files must be regular files inside its folder`,
      );
    }
    throw new SkillFolderError('skill_file_unreadable', `${where} cannot be read (${code ?? 'error'})`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new SkillFolderError('skill_folder_invalid', `${where} is not a regular file`);
    assertSafeOwnership(stats, where);
    if (stats.size > maxBytes) {
      throw new SkillFolderError(
        'skill_file_too_large',
        `${where} is ${stats.size} bytes, more than the ${maxBytes} allowed`,
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

export type SkillsDirEntry =
  { name: string; kind: 'folder' } | { name: string; kind: 'refused'; error: TalonError };

/**
 * The entries directly inside the skills folder that could be skills. Hidden entries (`.name`, used
 * for uploads in progress and replaced copies) and plain files are ignored; everything else that
 * breaks a rule is returned with the reason, so the admin can show why it is not offered.
 */
export async function listSkillsDir(skillsDirReal: string): Promise<SkillsDirEntry[]> {
  const entries = await readdir(skillsDirReal, { withFileTypes: true });
  const result: SkillsDirEntry[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
    try {
      await resolveSkillFolder(skillsDirReal, entry.name);
      result.push({ name: entry.name, kind: 'folder' });
    } catch (error) {
      if (!(error instanceof TalonError)) throw error;
      result.push({ name: entry.name, kind: 'refused', error });
    }
  }
  return result;
}
