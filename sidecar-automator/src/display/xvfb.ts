import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import { FIXED_LIMITS } from '../limits.ts';
import { errorMessage, SidecarError } from '../errors.ts';
import { spawnChild, unlessExited, type ChildHandle } from '../system/child-process.ts';
import { withTimeout } from '../system/with-timeout.ts';
import { writeXauthority } from './xauthority.ts';

export interface VirtualDisplay {
  /** The X display number Xvfb chose (`-displayfd`), so several displays can run side by side. */
  number: number;
  /** `:N`, for DISPLAY. */
  name: string;
  /** The display's Unix socket; the only way in (no TCP, no abstract socket). */
  socketPath: string;
  /** The cookie file a client needs (mode 0600, in the recording's private folder). */
  authFile: string;
  width: number;
  height: number;
  handle: ChildHandle;
  stop(): Promise<void>;
}

async function readDisplayNumber(handle: ChildHandle): Promise<number> {
  const pipe = handle.process.stdio[3];
  if (!pipe || !('on' in pipe)) throw new Error('Xvfb has no -displayfd pipe');
  let text = '';
  return new Promise<number>((resolve, reject) => {
    pipe.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const line = /^(\d+)\n/.exec(text);
      if (line) resolve(Number(line[1]));
    });
    pipe.on('error', reject);
  });
}

/**
 * Starts Xvfb at a fixed size on a free display number. It listens on its Unix socket only
 * (`-nolisten tcp -nolisten local` leaves no TCP and no abstract socket) and asks for the cookie in
 * `folder/xauthority`, a folder only the sidecar can read.
 */
export async function startVirtualDisplay(options: {
  folder: string;
  width: number;
  height: number;
  logger: Logger;
}): Promise<VirtualDisplay> {
  const authFile = path.join(options.folder, 'xauthority');
  writeXauthority(authFile);
  const handle = spawnChild(
    'Xvfb',
    [
      '-displayfd', '3',
      '-screen', '0', `${options.width}x${options.height}x24`,
      '-nolisten', 'tcp',
      '-nolisten', 'local',
      '-auth', authFile,
      '-noreset',
      '-dpi', '96',
    ], // prettier-ignore
    { name: 'xvfb', logger: options.logger, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  );
  let number: number;
  try {
    number = await unlessExited(
      handle,
      withTimeout(readDisplayNumber(handle), FIXED_LIMITS.childStartMs, 'Xvfb'),
      'Xvfb exited before it chose a display',
    );
  } catch (error) {
    await handle.stop();
    throw new SidecarError(
      'display_failed',
      `The virtual display did not start: ${errorMessage(error)}`,
      503,
    );
  }
  const socketPath = `/tmp/.X11-unix/X${number}`;
  if (!existsSync(socketPath)) {
    await handle.stop();
    throw new SidecarError(
      'display_failed',
      `Xvfb reported display :${number} but ${socketPath} is missing`,
      503,
    );
  }
  return {
    number,
    name: `:${number}`,
    socketPath,
    authFile,
    width: options.width,
    height: options.height,
    handle,
    stop: () => handle.stop(),
  };
}
