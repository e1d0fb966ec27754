import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { ConfigError } from '../errors.ts';
import type { BrowserIsolation } from '../config.ts';
import type { BrowserUser } from './browser-user.ts';

/** What one Chromium may see beyond the system's programs and libraries. */
export interface BrowserMounts {
  /** Folders it writes (its downloads), at the same path inside. */
  writable: string[];
  /** Files it reads: `[path outside, path inside]` (the X socket and cookie of a recording). */
  readOnly: [string, string][];
  /** Its whole environment. */
  env: Record<string, string>;
}

export interface IsolationPlan {
  isolation: BrowserIsolation;
  /** Set when the sidecar runs as root: Chromium drops to this account first. */
  user: BrowserUser | undefined;
  chromiumPath: string;
}

/** Read-only parts of /etc that Chromium needs (fonts, TLS roots, name service, its own flags). */
const ETC_ENTRIES = [
  '/etc/fonts',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/nsswitch.conf',
  '/etc/passwd',
  '/etc/group',
  '/etc/localtime',
  '/etc/ld.so.cache',
  '/etc/alternatives',
  '/etc/chromium.d',
  '/etc/mime.types',
];

function quote(argument: string): string {
  return `'${argument.replaceAll("'", "'\\''")}'`;
}

/**
 * bubblewrap's arguments: new user, PID, IPC, UTS and cgroup namespaces, the system read-only, an
 * empty /tmp and home, no view of the sidecar's data or other processes, and the environment given.
 * The network namespace is shared on purpose: pages need the network, and every request goes through
 * the sidecar's egress proxy, which applies the recipe's allowlist (network/egress-proxy.ts).
 * Chromium's own sandbox (namespaces + seccomp-BPF for renderers) still runs inside.
 */
export function bwrapArguments(mounts: BrowserMounts): string[] {
  const args = [
    '--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--die-with-parent', '--new-session',
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib',
    '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/sbin', '/sbin',
    '--ro-bind-try', '/var/cache/fontconfig', '/var/cache/fontconfig',
    '--ro-bind-try', '/sys/devices/system/cpu', '/sys/devices/system/cpu',
    '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/dev/shm', '--tmpfs', '/tmp',
  ]; // prettier-ignore
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', entry, entry);
  // Playwright puts the profile under os.tmpdir(); it must be writable inside too.
  if (os.tmpdir() !== '/tmp') args.push('--tmpfs', os.tmpdir());
  for (const folder of mounts.writable) args.push('--bind', folder, folder);
  for (const [outside, inside] of mounts.readOnly) args.push('--ro-bind', outside, inside);
  args.push('--chdir', '/tmp', '--clearenv');
  for (const [name, value] of Object.entries(mounts.env)) args.push('--setenv', name, value);
  return args;
}

function privilegeDrop(user: BrowserUser | undefined): string[] {
  return user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups'] : [];
}

/** The command line that starts `program` as the plan says (for the launcher and the start-up probe). */
export function isolatedCommand(plan: IsolationPlan, mounts: BrowserMounts, program: string): string[] {
  const setpriv = ['setpriv', '--pdeathsig', 'KILL', ...privilegeDrop(plan.user), '--'];
  if (plan.isolation === 'none') {
    return [...setpriv, 'env', '-i', ...Object.entries(mounts.env).map(([k, v]) => `${k}=${v}`), program];
  }
  return [...setpriv, 'bwrap', ...bwrapArguments(mounts), '--', program];
}

/**
 * Writes the script Playwright starts as "the browser": it runs the real Chromium through
 * isolatedCommand with Playwright's arguments. Playwright talks to it over the pipes it inherits
 * (`--remote-debugging-pipe`), so Chromium opens no debugging port.
 */
export function writeChromiumLauncher(file: string, plan: IsolationPlan, mounts: BrowserMounts): void {
  const command = isolatedCommand(plan, mounts, plan.chromiumPath).map(quote).join(' ');
  // Without bubblewrap's empty /tmp, the profile folder Playwright made (as the sidecar's user) must
  // become the browser account's before Chromium, dropped to that account, can write it.
  const handOver =
    plan.isolation === 'none' && plan.user
      ? `for arg in "$@"; do case "$arg" in --user-data-dir=*) chown -R ${plan.user.uid}:${plan.user.gid} "\${arg#--user-data-dir=}";; esac; done\n`
      : '';
  writeFileSync(file, `#!/bin/sh\n${handOver}exec ${command} "$@"\n`, { mode: 0o700 });
}

/**
 * Checks at start that the isolation works on this machine (bubblewrap installed, user namespaces
 * allowed, the browser account able to run Chromium), so a recording does not fail later instead.
 */
export function probeIsolation(plan: IsolationPlan): void {
  if (plan.isolation === 'none') return;
  const mounts: BrowserMounts = { writable: [], readOnly: [], env: { PATH: '/usr/bin:/bin' } };
  const [command = 'setpriv', ...args] = isolatedCommand(plan, mounts, plan.chromiumPath);
  const result = spawnSync(command, [...args, '--version'], { encoding: 'utf8', timeout: 20_000, env: {} });
  if (result.status !== 0) {
    const why = (result.stderr || result.error?.message || `exit ${String(result.status)}`)
      .trim()
      .split('\n')[0];
    throw new ConfigError(
      `Chromium does not start inside bubblewrap here (${why}). Install bubblewrap and allow unprivileged ` +
        'user namespaces, or set SIDECAR_BROWSER_ISOLATION=none to run Chromium without it (not recommended)',
    );
  }
}
