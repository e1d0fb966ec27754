import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';

export interface BrowserUser {
  uid: number;
  gid: number;
}

/**
 * The account Chromium runs as when the sidecar runs as root: `nobody` by default, or the name or
 * `uid:gid` the owner configured. Undefined when the sidecar is not root (Chromium then shares its
 * user, inside its own namespaces). An unknown account stops the sidecar at start.
 */
export function resolveBrowserUser(spec: string, isRoot = process.getuid?.() === 0): BrowserUser | undefined {
  if (!isRoot) return undefined;
  const numeric = /^(\d+):(\d+)$/.exec(spec);
  if (numeric) return checked({ uid: Number(numeric[1]), gid: Number(numeric[2]) }, spec);
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === spec && uid !== undefined && gid !== undefined) {
      return checked({ uid: Number(uid), gid: Number(gid) }, spec);
    }
  }
  throw new ConfigError(`SIDECAR_BROWSER_USER ${spec} is not an account on this machine (or give uid:gid)`);
}

function checked(user: BrowserUser, spec: string): BrowserUser {
  if (user.uid === 0 || user.gid === 0) {
    throw new ConfigError(`SIDECAR_BROWSER_USER ${spec} is root; Chromium must run unprivileged`);
  }
  return user;
}
