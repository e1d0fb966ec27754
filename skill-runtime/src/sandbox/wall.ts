/**
 * The second wall around sandbox workers. The isolate is the first; should a skill escape it into
 * its worker, the worker itself runs in its own user, PID, mount, network, IPC and UTS namespaces
 * (bubblewrap), with an empty environment, no network but its own loopback, no host process in
 * sight, and a read-only view of nothing but Node, the system libraries it links against,
 * isolated-vm and the worker's own code. Where bubblewrap is missing or the kernel refuses
 * namespaces, workers run without it (as the unprivileged user when the host is root) and the
 * host says so loudly: `checkWall` is what the log, the dashboard and a CI test read.
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { WorkerUser } from './worker-user.ts';

/** How a worker process is started: the command, its arguments, and the user it runs as. */
export interface WorkerLaunch {
  command: string;
  args: string[];
  user: WorkerUser | undefined;
  /** True when the worker runs behind the second wall. */
  walled: boolean;
}

export interface WallStatus {
  up: boolean;
  /** `bubblewrap` when the wall is up; `none` otherwise. */
  mechanism: 'bubblewrap' | 'none';
  /** What was checked, or why the wall is down and what to do. */
  detail: string;
}

/** Flags of Node itself inside a worker: no code from strings in its own realm either. */
const NODE_FLAGS = ['--disallow-code-generation-from-strings'];

/** System library folders Node links against (read-only inside the wall), where they exist. */
const LIBRARY_FOLDERS = ['/lib', '/lib64', '/usr/lib', '/usr/lib64'];

export function findBubblewrap(): string | undefined {
  for (const folder of (process.env['PATH'] ?? '').split(':').concat(['/usr/bin', '/bin'])) {
    const candidate = path.join(folder || '.', 'bwrap');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The folder of a package, at its real path, resolved from `from`. */
function packageFolder(name: string, from: string): string {
  const require = createRequire(from);
  return realpathSync(path.dirname(require.resolve(`${name}/package.json`)));
}

/**
 * Everything a worker must read, as `[what, where]` read-only binds: Node, the system libraries,
 * isolated-vm, its loader `node-gyp-build` (bound where isolated-vm's `require` looks for it, beside
 * it: with pnpm that is a symbolic link in the host's tree), and the worker's own code.
 */
export function workerReadOnlyBinds(entryFile: string): [string, string][] {
  const isolatedVm = packageFolder('isolated-vm', import.meta.url);
  const loader = packageFolder('node-gyp-build', path.join(isolatedVm, 'package.json'));
  const same = (folder: string): [string, string] => [folder, folder];
  return [
    ...LIBRARY_FOLDERS.filter((folder) => existsSync(folder)).map(same),
    same(path.dirname(realpathSync(process.execPath))),
    same(isolatedVm),
    [loader, path.join(path.dirname(isolatedVm), 'node-gyp-build')],
    same(path.dirname(entryFile)),
  ];
}

/** The bubblewrap arguments that put `node <entry>` behind the wall. */
function bubblewrapArgs(entryFile: string, infoFd: number | undefined): string[] {
  const binds = workerReadOnlyBinds(entryFile);
  return [
    '--unshare-all',
    // The worker itself is the namespace's first process: the process id bubblewrap reports is
    // Node's (its memory is watched and its priority lowered), not a bubblewrap init's.
    '--as-pid-1',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--cap-drop',
    'ALL',
    // An empty /tmp first: the worker's own code lives in a folder under the host's /tmp.
    '--tmpfs',
    '/tmp',
    ...binds.flatMap(([what, where]) => ['--ro-bind', what, where]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--chdir',
    '/',
    ...(infoFd === undefined ? [] : ['--info-fd', String(infoFd)]),
    realpathSync(process.execPath),
    ...NODE_FLAGS,
    entryFile,
  ];
}

/**
 * How to start a worker for `entryFile`: behind the wall when `bwrap` is given, otherwise Node
 * directly. Either way as `user` (the unprivileged account when the host is root). `infoFd` is the
 * descriptor on which bubblewrap reports the worker's process id in the host's namespace.
 */
export function workerLaunch(
  entryFile: string,
  options: { bwrap: string | undefined; user: WorkerUser | undefined; infoFd?: number },
): WorkerLaunch {
  if (options.bwrap === undefined) {
    return { command: process.execPath, args: [...NODE_FLAGS, entryFile], user: options.user, walled: false };
  }
  return {
    command: options.bwrap,
    args: bubblewrapArgs(entryFile, options.infoFd),
    user: options.user,
    walled: true,
  };
}

/** How this host starts workers, and the wall's probe behind the same wall. */
export interface Wall {
  worker: WorkerLaunch;
  probe: WorkerLaunch;
  /** Why the wall is down (bubblewrap missing, the kernel refusing namespaces), when it is. */
  down: string | undefined;
}

/**
 * Decides once, at start, how workers run: behind bubblewrap when it is installed and a walled
 * Node starts (a user namespace may be refused by the kernel or its settings), otherwise without
 * the wall — the reason is kept for `checkWall`, which the log and the dashboard report.
 */
export function prepareWall(
  files: { entry: string; probe: string },
  options: { user: WorkerUser | undefined; infoFd: number; useWall: boolean },
): Wall {
  const unwalled = (down: string): Wall => ({
    worker: workerLaunch(files.entry, { bwrap: undefined, user: options.user }),
    probe: workerLaunch(files.probe, { bwrap: undefined, user: options.user }),
    down,
  });
  if (!options.useWall) return unwalled('the second wall is switched off for this sandbox');
  const bwrap = findBubblewrap();
  if (bwrap === undefined) {
    return unwalled(
      'bubblewrap (bwrap) was not found: install it (Debian: apt-get install bubblewrap) and restart Talon',
    );
  }
  const smoke = workerLaunch(files.probe, { bwrap, user: options.user });
  const started = spawnSync(smoke.command, [...smoke.args.slice(0, -1), '--version'], {
    env: {},
    timeout: 10_000,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  if (started.status !== 0) {
    const why = String(started.stderr ?? started.error?.message ?? '')
      .trim()
      .slice(0, 300);
    return unwalled(`bubblewrap cannot create namespaces here (${why || `exit ${String(started.status)}`})`);
  }
  return {
    worker: workerLaunch(files.entry, { bwrap, user: options.user, infoFd: options.infoFd }),
    probe: smoke,
    down: undefined,
  };
}

/** The facts the probe reports from inside the wall. */
export interface ProbeFacts {
  interfaces: string[];
  processes: number;
  environment: string[];
  root: string[];
  uid: number;
  /** `address:port` → `connected` or the error code of the attempt. */
  reached: Record<string, string>;
  /** path → whether it could be read. */
  readable: Record<string, boolean>;
}

/** What the probe is asked to try: host ports to connect to, host files to read. */
export interface ProbeTargets {
  connect: { address: string; port: number }[];
  read: string[];
}

/** A script run behind the same wall as a worker: what could an escaped skill see and reach? */
export const PROBE_SOURCE = `
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
const targets = JSON.parse(process.argv[2]);
const facts = {
  interfaces: Object.keys(os.networkInterfaces()),
  processes: fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name)).length,
  environment: Object.keys(process.env).filter((name) => name !== 'PWD'),
  root: fs.readdirSync('/').sort(),
  uid: process.getuid(),
  reached: {},
  readable: {},
};
for (const file of targets.read) {
  try { fs.readFileSync(file); facts.readable[file] = true; } catch { facts.readable[file] = false; }
}
const attempt = ({ address, port }) => new Promise((resolve) => {
  const socket = net.connect({ host: address, port, timeout: 2000 });
  const done = (result) => { socket.destroy(); facts.reached[address + ':' + port] = result; resolve(); };
  socket.on('connect', () => done('connected'));
  socket.on('timeout', () => done('ETIMEDOUT'));
  socket.on('error', (error) => done(error.code ?? 'error'));
});
await Promise.all(targets.connect.map(attempt));
process.stdout.write(JSON.stringify(facts));
`;

/** Runs the probe through `launch` (its entry is the probe script); resolves with what it saw. */
export function runProbe(launch: WorkerLaunch, targets: ProbeTargets): Promise<ProbeFacts> {
  return new Promise((resolve, reject) => {
    execFile(
      launch.command,
      [...launch.args, JSON.stringify(targets)],
      {
        env: {},
        timeout: 10_000,
        ...(launch.user ? { uid: launch.user.uid, gid: launch.user.gid } : {}),
      },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message.split('\n')[0]} ${stderr.trim().slice(0, 300)}`));
        try {
          resolve(JSON.parse(stdout) as ProbeFacts);
        } catch {
          reject(new Error(`the probe printed no facts: ${stdout.slice(0, 200)} ${stderr.slice(0, 200)}`));
        }
      },
    );
  });
}

/** The top-level folders a walled process may see: those of its read-only binds, /dev, /proc, /tmp. */
export function expectedRootFolders(wall: Wall): Set<string> {
  const entry = wall.worker.args.at(-1) ?? '';
  return new Set([
    'dev',
    'proc',
    'tmp',
    ...workerReadOnlyBinds(entry).map(([, where]) => where.split('/')[1]!),
  ]);
}

/**
 * Checks that the wall stands, from inside: the probe must see only its own loopback interface, a
 * handful of its own processes, an empty environment, no top-level folder beyond its read-only
 * binds, must not read the host's /etc/passwd, and must not reach a port the host listens on
 * (`hostPort`, on 127.0.0.1).
 */
export async function checkWall(wall: Wall, hostPort: number): Promise<WallStatus> {
  if (wall.down !== undefined) {
    return {
      up: false,
      mechanism: 'none',
      detail: `skill workers run without the second wall: ${wall.down}`,
    };
  }
  let facts: ProbeFacts;
  try {
    facts = await runProbe(wall.probe, {
      connect: [{ address: '127.0.0.1', port: hostPort }],
      read: ['/etc/passwd'],
    });
  } catch (error) {
    return {
      up: false,
      mechanism: 'none',
      detail: `bubblewrap could not start a walled process (${(error as Error).message}): the kernel may refuse user namespaces`,
    };
  }
  const expected = expectedRootFolders(wall);
  const problems: string[] = [];
  if (facts.interfaces.some((name) => name !== 'lo'))
    problems.push(`sees network interfaces ${facts.interfaces.join(', ')}`);
  if (facts.processes > 2) problems.push(`sees ${facts.processes} processes`);
  if (facts.environment.length > 0)
    problems.push(`has environment variables ${facts.environment.join(', ')}`);
  const extra = facts.root.filter((folder) => !expected.has(folder));
  if (extra.length > 0) problems.push(`sees host folders ${extra.join(', ')}`);
  if (facts.readable['/etc/passwd']) problems.push('reads /etc/passwd');
  if (Object.values(facts.reached).includes('connected'))
    problems.push(`reached the host's port ${hostPort}`);
  if (problems.length > 0) {
    return {
      up: false,
      mechanism: 'none',
      detail: `bubblewrap runs, but a walled process ${problems.join('; ')}`,
    };
  }
  return {
    up: true,
    mechanism: 'bubblewrap',
    detail: `workers run in their own user, PID, mount and network namespaces as uid ${facts.uid}, with an empty environment, loopback only, ${facts.processes} processes in sight and read-only ${facts.root.join(' ')}`,
  };
}
