/**
 * One sidecar process: `node sidecar-automator/src/main.ts` with an environment built from scratch,
 * ready when its log says `sidecar listening` (with the URL it listens on), stopped with SIGTERM and,
 * after a grace period, SIGKILL. Its pino lines are re-logged under Talon's logger.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logging/logger.ts';
import { TalonError } from '../errors.ts';

/** The sidecar's entry point, resolved through the workspace package (never a relative path). */
export const SIDECAR_ENTRY = fileURLToPath(import.meta.resolve('@talon/sidecar-automator/main.ts'));

export interface SidecarLaunch {
  /** The whole environment of the child: nothing of Talon's own environment is inherited. */
  env: Record<string, string>;
  logger: Logger;
  readyTimeoutMs: number;
  stopGraceMs: number;
  /** Overridable for tests; defaults to SIDECAR_ENTRY. */
  entry?: string;
}

export interface RunningSidecar {
  pid: number;
  /** The URL the sidecar printed when it was ready. */
  url: string;
  /** Resolves with a description once the process has exited, whoever ended it. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function relog(logger: Logger, line: string): { msg?: unknown; url?: unknown } | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.info({ line: line.slice(0, 2_000) }, 'sidecar output');
    return undefined;
  }
  const { level, msg, time: _time, app: _app, pid: _pid, hostname: _host, ...rest } = entry;
  const method = LEVELS[typeof level === 'number' ? level : 30] ?? 'info';
  logger[method](rest, typeof msg === 'string' ? msg : 'sidecar log');
  return entry;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exited with code ${code ?? '?'}`;
}

/** Starts the sidecar and resolves once it listens; rejects (and kills it) if it dies or stalls first. */
export async function launchSidecar(launch: SidecarLaunch): Promise<RunningSidecar> {
  const child: ChildProcess = spawn(process.execPath, [launch.entry ?? SIDECAR_ENTRY], {
    env: launch.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logger = launch.logger;
  let stderrTail = '';
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(describeExit(code, signal)));
    child.once('error', (error) => resolve(`could not start: ${error.message}`));
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail = `${stderrTail}\n${line}`.slice(-2_000);
    logger.warn({ line: line.slice(0, 2_000) }, 'sidecar stderr');
  });
  const ready = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = relog(logger, line);
      if (entry?.msg === 'sidecar listening' && typeof entry.url === 'string') resolve(entry.url);
    });
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), launch.stopGraceMs);
    await exited;
    clearTimeout(timer);
  };

  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then((url) => ({ url })),
    exited.then((how) => ({ died: how })),
    new Promise<{ stalled: true }>((resolve) => {
      timer = setTimeout(() => resolve({ stalled: true }), launch.readyTimeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if ('url' in outcome) {
    return { pid: child.pid ?? 0, url: outcome.url.replace(/\/+$/, ''), exited, stop };
  }
  await stop();
  const why =
    'died' in outcome ? outcome.died : `did not say it was listening within ${launch.readyTimeoutMs} ms`;
  const said = stderrTail.trim().split('\n').at(-1);
  throw new TalonError(
    'sidecar_start_failed',
    `The browser sidecar ${why}${said ? `: ${said.slice(0, 500)}` : ''}`,
    503,
  );
}
