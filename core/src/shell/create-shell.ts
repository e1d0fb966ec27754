/**
 * The shell's host side as boot.ts builds it: the jail (with what it covers up), the one-time
 * approvals and the `ShellPort` the skill runtime is given. The jail's probe runs at once; until
 * it has passed, the shell answers that it cannot run.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unprivilegedWorkerUser } from '@talon/skill-runtime/sandbox/worker-user.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { TalonConfig } from '../config/env.ts';
import type { DatabasePool } from '../db/pool.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { OneTimeApprovals, WorkflowShellRuns } from './approvals.ts';
import { ShellJail, type JailStatus } from './jail.ts';
import { ShellHost } from './shell-host.ts';

/** The `.env` Talon reads (beside the root package.json), and one in the folder it was started from. */
function envFiles(): string[] {
  return [fileURLToPath(new URL('../../../.env', import.meta.url)), path.resolve('.env')];
}

export interface Shell {
  host: ShellHost;
  approvals: OneTimeApprovals;
  /** Resolves once the jail's probe has run (with what it found). */
  ready: Promise<JailStatus>;
}

export function createShell(deps: {
  config: TalonConfig;
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
  logger: Logger;
}): Shell {
  const jail = new ShellJail({
    hiddenFolders: [deps.config.dataDir, deps.config.skillsDir],
    hiddenFiles: envFiles(),
    user: unprivilegedWorkerUser(),
  });
  const approvals = new OneTimeApprovals();
  const host = new ShellHost({
    settings: deps.settings,
    jail,
    approvals,
    workflowRuns: new WorkflowShellRuns(deps.pool),
    audit: deps.audit,
    logger: deps.logger.child({ component: 'shell' }),
  });
  const ready = jail.check().then((status) => {
    if (status.up) deps.logger.info({ detail: status.detail }, 'shell isolation checked');
    else deps.logger.warn({ detail: status.detail }, 'the shell cannot run on this node');
    return status;
  });
  return { host, approvals, ready };
}
