import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Logger } from '../logger.ts';

/** The environment every child starts from: never the sidecar's own (which may hold the token). */
export const CHILD_BASE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LANG: 'C.UTF-8',
};

export interface ChildHandle {
  readonly process: ChildProcess;
  readonly name: string;
  /** Resolves when the process has exited (at once if it already has). */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  env?: Record<string, string>;
  stdio?: StdioOptions;
  logger: Logger;
}

/**
 * Starts a helper program (Xvfb, x11vnc) so that it dies with the sidecar: `setpriv --pdeathsig KILL`
 * makes the kernel kill it when the sidecar exits, even by SIGKILL, so no display or VNC server
 * outlives the process that guards it. Its stderr goes to the debug log, line by line.
 */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions): ChildHandle {
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], {
    env: { ...CHILD_BASE_ENV, ...options.env },
    stdio: options.stdio ?? ['ignore', 'ignore', 'pipe'],
  });
  const log = options.logger.child({ child: options.name });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n'))
      if (line.trim() !== '') log.debug({ line: line.slice(0, 500) }, 'stderr');
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', (code, signal) => {
      log.debug({ code, signal }, 'exited');
      resolve();
    });
    child.once('error', (error) => {
      log.warn({ err: error }, 'could not start');
      resolve();
    });
  });
  return {
    process: child,
    name: options.name,
    exited,
    async stop(graceMs = 2_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Rejects with `message` when the child exits before `ready` settles. */
export async function unlessExited<T>(handle: ChildHandle, ready: Promise<T>, message: string): Promise<T> {
  const exit = handle.exited.then(() => {
    throw new Error(message);
  });
  exit.catch(() => undefined);
  return Promise.race([ready, exit]);
}
