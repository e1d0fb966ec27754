/**
 * Where a shell command runs (README "Isolation"): bubblewrap, as the unprivileged worker user when
 * Talon is root, in its own user, PID, IPC and UTS namespaces. It sees the host's file system
 * read-only and the host's processes, disks and memory (what diagnostics need), but Talon's data
 * folder, skills folder and `.env` are covered up, /tmp is empty, its environment is clean, and
 * other processes' environments and memory are out of reach (a user namespace holds no rights over
 * the host's processes, even those of the same user). Without bubblewrap the shell does not run.
 */
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { findBubblewrap } from '@talon/skill-runtime/sandbox/wall.ts';
import type { WorkerUser } from '@talon/skill-runtime/sandbox/worker-user.ts';
import { PROBE_TIMEOUT_MS } from './limits.ts';

/** The environment of every command: nothing of Talon's, only what programs expect to find. */
export const COMMAND_ENVIRONMENT: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/tmp',
  // Where it runs: an empty /tmp of its own (bubblewrap sets PWD for --chdir; said here so it is the whole list).
  PWD: '/tmp',
};

/** How one command is started: bubblewrap's path, its arguments ending in the command, the user. */
export interface JailLaunch {
  command: string;
  args: string[];
  user: WorkerUser | undefined;
}

export interface JailStatus {
  up: boolean;
  /** What was checked, or why the shell cannot run and what to do. */
  detail: string;
}

export interface JailOptions {
  /** Talon's data folder, its skills folder: covered by an empty folder. */
  hiddenFolders: readonly string[];
  /** `.env` files and other single files: covered by /dev/null where they exist. */
  hiddenFiles: readonly string[];
  /** The unprivileged account when Talon is root (`unprivilegedWorkerUser()`), else undefined. */
  user: WorkerUser | undefined;
  /** Where bubblewrap is; default: found on PATH. `null`: pretend it is missing (tests). */
  bwrap?: string | null;
}

function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/** Real paths of what exists, leaving out what the fresh /tmp covers already. */
function coverable(paths: readonly string[]): string[] {
  const real = paths.filter((path) => existsSync(path)).map((path) => realpathSync(path));
  return [...new Set(real)].filter((path) => !isUnder(path, '/tmp'));
}

export class ShellJail {
  readonly #bwrap: string | undefined;
  readonly #options: JailOptions;
  #status: JailStatus;

  constructor(options: JailOptions) {
    this.#options = options;
    this.#bwrap = options.bwrap === null ? undefined : (options.bwrap ?? findBubblewrap());
    this.#status =
      this.#bwrap === undefined
        ? {
            up: false,
            detail:
              'bubblewrap (bwrap) was not found, so commands cannot be isolated: install it (Debian: apt-get install bubblewrap) and restart Talon',
          }
        : { up: false, detail: 'the shell isolation has not been checked yet' };
  }

  get status(): JailStatus {
    return this.#status;
  }

  get user(): WorkerUser | undefined {
    return this.#options.user;
  }

  /** The bubblewrap command line that runs `argv` in the jail. */
  launch(argv: readonly string[]): JailLaunch {
    if (this.#bwrap === undefined) throw new Error('bubblewrap is not available');
    const folders = coverable(this.#options.hiddenFolders).flatMap((folder) => ['--tmpfs', folder]);
    const files = coverable(this.#options.hiddenFiles).flatMap((file) => ['--ro-bind', '/dev/null', file]);
    const environment = Object.entries(COMMAND_ENVIRONMENT).flatMap(([name, value]) => [
      '--setenv',
      name,
      value,
    ]);
    return {
      command: this.#bwrap,
      args: [
        '--ro-bind',
        '/',
        '/',
        '--dev',
        '/dev',
        '--tmpfs',
        '/tmp',
        ...folders,
        ...files,
        // A user namespace of its own: no rights over any host process (their environment, memory).
        '--unshare-user',
        // A PID namespace: when the command ends or is killed, everything it started ends with it.
        // /proc stays the host's (bound read-only above), so ps, top and free see the machine.
        '--unshare-pid',
        '--unshare-ipc',
        '--unshare-uts',
        '--unshare-cgroup-try',
        '--die-with-parent',
        '--cap-drop',
        'ALL',
        '--clearenv',
        ...environment,
        '--chdir',
        '/tmp',
        '--',
        ...argv,
      ],
      user: this.#options.user,
    };
  }

  /**
   * Runs a probe through the jail and keeps what it found: the shell runs only when the probe's
   * user is not root (when Talon is), it sees the host's processes, its environment is the clean
   * one, and it can neither list the hidden folders nor read Talon's own environment.
   */
  async check(): Promise<JailStatus> {
    if (this.#bwrap === undefined) return this.#status;
    const hidden = coverable(this.#options.hiddenFolders);
    const targets = { hidden, environOf: process.pid };
    let facts: ProbeFacts;
    try {
      facts = await runProbe(this.launch([process.execPath, '-e', PROBE_SOURCE, JSON.stringify(targets)]));
    } catch (error) {
      this.#status = {
        up: false,
        detail: `bubblewrap could not start an isolated command (${(error as Error).message}): the kernel may refuse user namespaces, so the shell does not run`,
      };
      return this.#status;
    }
    const problems: string[] = [];
    if (this.#options.user !== undefined && facts.uid === 0) problems.push('runs as root');
    if (facts.processes < 3) problems.push(`sees only ${facts.processes} processes`);
    const extra = facts.environment.filter((name) => !(name in COMMAND_ENVIRONMENT));
    if (extra.length > 0) problems.push(`has environment variables ${extra.join(', ')}`);
    const listed = Object.entries(facts.listed).filter(([, count]) => count > 0);
    if (listed.length > 0) problems.push(`sees the files of ${listed.map(([folder]) => folder).join(', ')}`);
    if (facts.environReadable) problems.push("reads Talon's environment");
    this.#status =
      problems.length > 0
        ? { up: false, detail: `the shell's isolation is not as required: a command ${problems.join('; ')}` }
        : {
            up: true,
            detail: `commands run in bubblewrap as uid ${facts.uid}, with a clean environment, ${facts.processes} host processes in sight, and ${hidden.length === 0 ? 'no folder' : hidden.join(', ')} covered up`,
          };
    return this.#status;
  }
}

interface ProbeFacts {
  uid: number;
  processes: number;
  environment: string[];
  /** folder → how many entries the command could list in it. */
  listed: Record<string, number>;
  environReadable: boolean;
}

/** What a command in the jail sees: run by Node inside it. */
const PROBE_SOURCE = `
const fs = require('node:fs');
const targets = JSON.parse(process.argv[1]);
const count = (folder) => { try { return fs.readdirSync(folder).length; } catch { return 0; } };
let environReadable = false;
try { fs.readFileSync('/proc/' + targets.environOf + '/environ'); environReadable = true; } catch {}
process.stdout.write(JSON.stringify({
  uid: process.getuid(),
  processes: fs.readdirSync('/proc').filter((name) => name !== '' && [...name].every((c) => c >= '0' && c <= '9')).length,
  environment: Object.keys(process.env),
  listed: Object.fromEntries(targets.hidden.map((folder) => [folder, count(folder)])),
  environReadable,
}));
`;

function runProbe(launch: JailLaunch): Promise<ProbeFacts> {
  return new Promise((resolve, reject) => {
    execFile(
      launch.command,
      launch.args,
      {
        env: {},
        timeout: PROBE_TIMEOUT_MS,
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
