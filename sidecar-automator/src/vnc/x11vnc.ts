import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import { FIXED_LIMITS } from '../limits.ts';
import { errorMessage, SidecarError } from '../errors.ts';
import { spawnChild, unlessExited, type ChildHandle } from '../system/child-process.ts';
import { delay, withTimeout } from '../system/with-timeout.ts';
import type { VirtualDisplay } from '../display/xvfb.ts';

export interface VncServer {
  /** x11vnc's Unix socket, in the recording's private folder (mode 0700): only the sidecar can connect. */
  socketPath: string;
  /** Asked for by x11vnc as well; it never leaves the sidecar (the bridge answers the challenge). */
  password: string;
  handle: ChildHandle;
  stop(): Promise<void>;
}

/** VNC passwords are 8 bytes; letters and digits so x11vnc's password file reads them back unchanged. */
function newVncPassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(8)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

async function waitForSocket(file: string, handle: ChildHandle): Promise<void> {
  const deadline = Date.now() + FIXED_LIMITS.childStartMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline || handle.process.exitCode !== null) return;
    await delay(25);
  }
}

/**
 * Starts x11vnc on `display`, listening on a Unix socket in `folder` and nowhere else: `-rfbport 0`
 * and `-rfbportv6 -1` leave no TCP port (x11vnc would otherwise open [::]:5900), and the password
 * file is read once and removed (`rm:`). OpenClaw's `x11vnc -nopw` on a TCP port let any local
 * process watch and drive the browser; here a process needs the sidecar's own file access and the
 * password, and only the token-checked WebSocket bridge has both.
 */
export async function startVncServer(options: {
  folder: string;
  display: VirtualDisplay;
  logger: Logger;
}): Promise<VncServer> {
  const socketPath = path.join(options.folder, 'vnc.sock');
  const passwordFile = path.join(options.folder, 'vnc-password');
  const password = newVncPassword();
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const handle = spawnChild(
    'x11vnc',
    [
      '-display', options.display.name,
      '-auth', options.display.authFile,
      '-unixsock', socketPath,
      '-rfbport', '0',
      '-rfbportv6', '-1',
      '-noipv6',
      '-no6',
      '-passwdfile', `rm:${passwordFile}`,
      '-forever',
      '-shared',
      '-nolookup',
      '-quiet',
    ], // prettier-ignore
    { name: 'x11vnc', logger: options.logger },
  );
  try {
    await unlessExited(
      handle,
      withTimeout(waitForSocket(socketPath, handle), FIXED_LIMITS.childStartMs + 1_000, 'x11vnc'),
      'x11vnc exited before it listened',
    );
    if (!existsSync(socketPath)) throw new Error(`no socket after ${FIXED_LIMITS.childStartMs} ms`);
  } catch (error) {
    await handle.stop();
    throw new SidecarError('vnc_failed', `The VNC server did not start: ${errorMessage(error)}`, 503);
  }
  return { socketPath, password, handle, stop: () => handle.stop() };
}
