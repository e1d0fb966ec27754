import { chmodSync, chownSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { Logger } from '../logger.ts';
import { errorMessage, SidecarError } from '../errors.ts';
import type { VirtualDisplay } from '../display/xvfb.ts';
import { MANAGED_POLICY_FOLDER, writeBrowserPolicy } from './browser-policy.ts';
import { writeChromiumLauncher, type BrowserMounts, type IsolationPlan } from './sandbox-launcher.ts';

/** Flags for the system Chromium: no first-run UI, no background traffic of its own, no GPU. */
const CHROMIUM_FLAGS = [
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--no-default-browser-check',
  '--password-store=basic',
  // Chromium's own calls home would go through the recipe's proxy and be refused (or, while
  // recording, end up on the allowlist): form-type predictions, optimisation hints, pings.
  '--disable-features=AutofillServerCommunication,OptimizationHintsFetching,OptimizationGuideModelDownloading',
  '--disable-client-side-phishing-detection',
  '--disable-domain-reliability',
  '--no-pings',
  '--disable-quic',
];
const LAUNCH_TIMEOUT_MS = 30_000;

export interface LaunchedBrowser {
  browser: Browser;
  /** Where Chromium writes downloads (inside its sandbox too); emptied between replays. */
  downloadsDir: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  plan: IsolationPlan;
  /** A fresh folder for this browser under the runtime folder; removed on close. */
  folder: string;
  /** Set for a recording: a headed window filling this display. */
  display?: VirtualDisplay;
  logger: Logger;
}

function ownFolderFor(folder: string, plan: IsolationPlan): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (plan.user) chownSync(folder, plan.user.uid, plan.user.gid);
}

/**
 * Starts the system Chromium through the isolation launcher, driven by Playwright over pipes.
 * Chromium's own sandbox runs inside bubblewrap (the account is not root there); with isolation
 * off, as root, Chromium cannot sandbox itself and runs with `--no-sandbox`.
 */
export async function launchChromium(options: LaunchOptions): Promise<LaunchedBrowser> {
  const { plan, folder, display } = options;
  mkdirSync(folder, { recursive: true, mode: 0o711 });
  chmodSync(folder, 0o711);
  const downloadsDir = path.join(folder, 'downloads');
  ownFolderFor(downloadsDir, plan);
  const mounts: BrowserMounts = {
    writable: [downloadsDir],
    // Only bubblewrap can put the sidecar's policies where Chromium reads them (/etc is not ours).
    readOnly: plan.isolation === 'bwrap' ? [[writeBrowserPolicy(folder), MANAGED_POLICY_FOLDER]] : [],
    env: { HOME: '/tmp', PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
  };
  if (display) {
    // Chromium gets its own copy of the display cookie, readable by its account only.
    const cookie = path.join(folder, 'xauthority');
    copyFileSync(display.authFile, cookie);
    chmodSync(cookie, 0o400);
    if (plan.user) chownSync(cookie, plan.user.uid, plan.user.gid);
    const inside = plan.isolation === 'bwrap';
    mounts.readOnly.push(
      [display.socketPath, display.socketPath],
      [cookie, inside ? '/tmp/.Xauthority' : cookie],
    );
    mounts.env['DISPLAY'] = display.name;
    mounts.env['XAUTHORITY'] = inside ? '/tmp/.Xauthority' : cookie;
  }
  const launcher = path.join(folder, 'chromium.sh');
  writeChromiumLauncher(launcher, plan, mounts);
  const args = [...CHROMIUM_FLAGS];
  if (display)
    args.push('--window-position=0,0', `--window-size=${display.width},${display.height}`, '--test-type');
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: launcher,
      headless: !display,
      args,
      chromiumSandbox: plan.isolation === 'bwrap',
      downloadsPath: downloadsDir,
      env: {},
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: LAUNCH_TIMEOUT_MS,
    });
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    options.logger.error({ err: errorMessage(error) }, 'Chromium did not start');
    throw new SidecarError('browser_failed', 'Chromium did not start; the sidecar log says why', 503);
  }
  return {
    browser,
    downloadsDir,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
