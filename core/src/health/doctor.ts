import type { DatabasePool } from 'slonik';
import type { WallStatus } from '@talon/skill-runtime/sandbox/wall.ts';
import type { TalonConfig } from '../config/env.ts';
import type { ResolvedSecretKeyBase } from '../crypto/secret-key-base.ts';
import { errorMessage } from '../errors.ts';
import type { SettingsStore } from '../settings/store.ts';
import { bySeverity, type Finding } from './finding.ts';

/**
 * What a check may look at. The same context is built by `pnpm talon doctor` (from the environment
 * and the data folder, Talon running or not) and by a running Talon for its dashboard, so both
 * report the same findings.
 */
export interface DoctorContext {
  config: TalonConfig;
  /** SECRET_KEY_BASE as Talon resolves it: from the environment or generated into the data folder. */
  secretKey: ResolvedSecretKeyBase;
  pool: DatabasePool;
  /** True when the database is the embedded PostgreSQL in the data folder. */
  embeddedDatabase: boolean;
  settings: SettingsStore;
  /** Whether the second wall around skill workers stands (checked from inside a walled process). */
  wall(): Promise<WallStatus>;
  now(): Date;
}

/**
 * One check of one domain. A domain adds its check as a file in `checks/` and one entry in
 * `doctor-checks.ts`; a check answers at least one finding (an `info` one when all is well, so the
 * owner sees what was checked).
 */
export interface DoctorCheck {
  id: string;
  /** What it looks at, in a few words (named when the check cannot run). */
  title: string;
  run(context: DoctorContext): Promise<Finding[]>;
}

/**
 * Runs every check; a check that throws becomes a warning that says so (one broken check must not
 * hide the others' findings). Worst first.
 */
export async function runDoctor(checks: readonly DoctorCheck[], context: DoctorContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const check of checks) {
    try {
      findings.push(...(await check.run(context)));
    } catch (error) {
      findings.push({
        check: check.id,
        severity: 'warning',
        title: `The check "${check.title}" could not run`,
        detail: errorMessage(error),
        fix: 'Run "pnpm talon doctor" again; if it keeps failing, the message above says what is in the way',
      });
    }
  }
  return bySeverity(findings);
}
