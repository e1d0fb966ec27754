/**
 * Runs one jailed command: `spawn` with an argument array (no shell), in a process group of its own
 * that is killed whole when the timeout fires, its stdout and stderr kept in the order they came
 * and cut at the owner's limit, its exit code returned.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { JailLaunch } from './jail.ts';
import { OUTPUT_MAX_BYTES } from './limits.ts';

export type CommandOutcome = {
  /** The program's exit code; null when it was killed (timeout) or never started. */
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr as they came, at most `maxOutputChars` characters. */
  output: string;
  /** True when the output was longer and has been cut. */
  truncated: boolean;
  durationMs: number;
};

export interface RunOptions {
  timeoutMs: number;
  maxOutputChars: number;
  /** After the kill, how long to wait for the pipes to close before giving up on them. */
  killGraceMs?: number;
}

/** The first `max` characters (whole code points) of `text`, and whether anything was cut. */
export function capCharacters(text: string, max: number): { text: string; truncated: boolean } {
  let count = 0;
  let end = 0;
  for (const char of text) {
    if (count === max) return { text: text.slice(0, end), truncated: true };
    count++;
    end += char.length;
  }
  return { text, truncated: false };
}

export function runCommand(launch: JailLaunch, options: RunOptions): Promise<CommandOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(launch.command, launch.args, {
      // A session and process group of its own, so the timeout kills the command and its children.
      detached: true,
      env: {},
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(launch.user ? { uid: launch.user.uid, gid: launch.user.gid } : {}),
    });
    let output = '';
    let bytes = 0;
    let dropped = false;
    let timedOut = false;
    let settled = false;
    const take = (decoder: StringDecoder) => (chunk: Buffer) => {
      // Past the byte cap the pipe is drained and discarded, so the command never blocks on it.
      if (bytes >= OUTPUT_MAX_BYTES) {
        dropped = true;
        return;
      }
      const room = OUTPUT_MAX_BYTES - bytes;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (kept.length < chunk.length) dropped = true;
      bytes += kept.length;
      output += decoder.write(kept);
    };
    const stdoutDecoder = new StringDecoder('utf8');
    const stderrDecoder = new StringDecoder('utf8');
    child.stdout.on('data', take(stdoutDecoder));
    child.stderr.on('data', take(stderrDecoder));

    const finish = (exitCode: number | null, startError?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      output += stdoutDecoder.end() + stderrDecoder.end();
      if (startError !== undefined) output += (output === '' ? '' : '\n') + startError;
      const capped = capCharacters(output, options.maxOutputChars);
      resolve({
        exitCode: timedOut ? null : exitCode,
        timedOut,
        output: capped.text,
        truncated: capped.truncated || dropped,
        durationMs: Math.round(performance.now() - started),
      });
    };
    let grace: NodeJS.Timeout | undefined;
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
      // The jail's PID namespace ends with it; should a pipe stay open anyway, do not wait forever.
      grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(null);
      }, options.killGraceMs ?? 2_000);
    }, options.timeoutMs);
    child.on('error', (error) => finish(1, `could not start the command: ${error.message}`));
    child.on('close', (code) => finish(code));
  });
}
