import { readFileSync } from 'node:fs';

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
