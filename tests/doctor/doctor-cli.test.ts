import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTalon, type Talon } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { spawnTalon } from '../support/talon-process.ts';

// Issue 17, Done when: `pnpm talon doctor` on a fresh default install lists the expected findings
// (2FA not enrolled among them), and on a hardened one reports nothing above info.
const PASSWORD = 'a long and unusual pass phrase for the doctor';
const HARDENED_KEY = 'hardened-secret-key-base-from-the-environment-'.padEnd(72, 'x');

interface DoctorJson {
  worst: string;
  exitCode: number;
  findings: { check: string; severity: string; title: string }[];
}

const folders: string[] = [];
function dataFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'talon-doctor-cli-'));
  // PostgreSQL runs as the `postgres` user when the tests run as root: it must enter the folder.
  chmodSync(folder, 0o755);
  folders.push(folder);
  return folder;
}

async function doctor(env: Record<string, string>): Promise<{ code: number | null; report: DoctorJson }> {
  const run = spawnTalon('core/src/cli/talon.ts', { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env }, [
    'doctor',
    '--json',
  ]);
  const code = await run.exited;
  return { code, report: JSON.parse(run.output().stdout) as DoctorJson };
}

let talon: Talon | undefined;
let database: TestDatabase | undefined;
afterAll(async () => {
  await talon?.stop();
  await database?.drop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('pnpm talon doctor', () => {
  it('on a fresh default install (running): warnings, 2FA not enrolled among them, exit 1', async () => {
    const dataDir = dataFolder();
    const env = { DATA_DIR: dataDir, ADMIN_PASSWORD: PASSWORD };
    talon = await startTalon(
      loadConfig({ NODE_ENV: 'test', PORT: '0', ...env }, dataDir),
      createLogger('silent'),
    );
    const { code, report } = await doctor(env);
    const problems = report.findings.filter((finding) => finding.severity !== 'info');
    expect(problems.map((finding) => finding.title).sort()).toEqual(
      [
        '2FA is not enrolled',
        `SECRET_KEY_BASE was generated into the data folder (${path.join(dataDir, 'secret_key_base')})`,
        'Talon has never been backed up',
      ].sort(),
    );
    expect(report.worst).toBe('warning');
    expect(code).toBe(1);
    await talon.stop();
    talon = undefined;
  }, 90_000);

  it('on a hardened install: nothing above info, exit 0', async () => {
    const dataDir = dataFolder();
    database = await createTestDatabase();
    const env = {
      DATA_DIR: dataDir,
      ADMIN_PASSWORD: PASSWORD,
      SECRET_KEY_BASE: HARDENED_KEY,
      DATABASE_URL: database.url,
    };
    talon = await startTalon(
      loadConfig({ NODE_ENV: 'test', PORT: '0', ...env }, dataDir),
      createLogger('silent'),
    );
    // 2FA as enrolment leaves it, and a backup just written.
    await talon.settings.set('auth.totp.secret', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    await talon.settings.set('auth.totp.enabled', true);
    const backup = spawnTalon('core/src/cli/talon.ts', { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env }, [
      'backup',
    ]);
    expect(await backup.exited).toBe(0);
    const { code, report } = await doctor(env);
    expect(report.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
    expect(report.findings.map((finding) => finding.check)).toContain('sandbox.wall');
    expect(code).toBe(0);
  }, 90_000);
});
