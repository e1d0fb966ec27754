import { parseArgs } from 'node:util';
import { Sandbox } from '@talon/skill-runtime/sandbox/sandbox.ts';
import type { WallStatus } from '@talon/skill-runtime/sandbox/wall.ts';
import { loadConfig } from '../config/env.ts';
import { existingSecretKeyBase } from '../crypto/existing-secret-key.ts';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { attachDatabase } from '../db/attach-database.ts';
import { errorMessage } from '../errors.ts';
import { DOCTOR_CHECKS } from '../health/doctor-checks.ts';
import { runDoctor } from '../health/doctor.ts';
import { doctorJson, formatDoctorReport } from '../health/doctor-report.ts';
import type { Finding } from '../health/finding.ts';
import { createLogger } from '../logging/logger.ts';
import { SettingsStore } from '../settings/store.ts';

/** The wall as the host would find it: a sandbox with no spare workers, asked once, then closed. */
async function checkWallHere(): Promise<WallStatus> {
  let sandbox: Sandbox;
  try {
    sandbox = new Sandbox({ logger: createLogger('silent'), apiFunctions: [], spareWorkers: 0 });
  } catch (error) {
    return { up: false, mechanism: 'none', detail: errorMessage(error) };
  }
  try {
    return await sandbox.wallStatus();
  } finally {
    await sandbox.close();
  }
}

async function print(findings: Finding[], json: boolean): Promise<number> {
  const report = doctorJson(findings);
  const text = (json ? JSON.stringify(report, null, 2) : formatDoctorReport(findings)) + '\n';
  // Written out before the exit code ends the process.
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  return report.exitCode;
}

/**
 * `pnpm talon doctor [--json]`: audits the installation of this environment and data folder,
 * Talon running or not, and answers 0 (nothing above info), 1 (a warning) or 2 (a critical).
 */
export async function doctorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    strict: true,
  });
  const json = values.json === true;
  const config = loadConfig();
  const logger = createLogger('silent');
  const secretKey = existingSecretKeyBase(config);
  if (secretKey === undefined) {
    return print(
      [
        {
          check: 'secret_key',
          severity: 'critical',
          title: 'There is no SECRET_KEY_BASE: neither in the environment nor in the data folder',
          detail: `Nothing can be checked without it (data folder: ${config.dataDir}).`,
          fix: 'Run the doctor with the environment Talon runs with (SECRET_KEY_BASE, DATA_DIR), or start Talon once',
        },
      ],
      json,
    );
  }
  const database = await attachDatabase(config, logger);
  try {
    const settings = await SettingsStore.load(database.pool, new SettingsCipher(secretKey.value), logger);
    const findings = await runDoctor(DOCTOR_CHECKS, {
      config,
      secretKey,
      pool: database.pool,
      embeddedDatabase: database.embedded,
      settings,
      wall: checkWallHere,
      now: () => new Date(),
    });
    return await print(findings, json);
  } finally {
    await database.close();
  }
}
