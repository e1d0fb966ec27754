import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

export interface WorkerUser {
  uid: number;
  gid: number;
}

/**
 * The unprivileged account sandbox workers run as when the host runs as root (`nobody`), so a skill
 * that escaped its isolate into its worker still cannot read the data folder or the host's files.
 * Undefined when the host is not root (workers then share its user) or the account is missing.
 */
export function unprivilegedWorkerUser(accountName = 'nobody'): WorkerUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, gid] = line.split(':');
      if (name === accountName && uid !== undefined && gid !== undefined) {
        return { uid: Number(uid), gid: Number(gid) };
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function readableBy(
  mode: number,
  ownerUid: number,
  ownerGid: number,
  user: WorkerUser,
  bits: number,
): boolean {
  if (ownerUid === user.uid) return ((mode >> 6) & bits) === bits;
  if (ownerGid === user.gid) return ((mode >> 3) & bits) === bits;
  return (mode & bits) === bits;
}

/**
 * Why the worker user could not run a file, or undefined when it can: every folder on the way must be
 * searchable by that user, and the file itself readable (and executable, for the Node binary).
 */
export function whyWorkerUserCannotRun(
  user: WorkerUser,
  file: string,
  executable: boolean,
): string | undefined {
  const resolved = realpathSync(file);
  const folders: string[] = [];
  for (let folder = path.dirname(resolved); ; folder = path.dirname(folder)) {
    folders.unshift(folder);
    if (folder === path.dirname(folder)) break;
  }
  for (const folder of folders) {
    const stat = statSync(folder);
    if (!readableBy(stat.mode, stat.uid, stat.gid, user, 0o1))
      return `${folder} is not searchable by other users`;
  }
  const stat = statSync(resolved);
  if (!readableBy(stat.mode, stat.uid, stat.gid, user, executable ? 0o5 : 0o4)) {
    return `${resolved} is not ${executable ? 'executable' : 'readable'} by other users`;
  }
  return undefined;
}
