import { testPackage } from '@talon/skill-runtime/testing/memory-runtime.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { createLogger } from '../logging/logger.ts';
import { SETTING_DEFINITIONS } from '../settings/definitions.ts';
import { SettingsStore } from '../settings/store.ts';
import type { SkillManifest } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { SandboxSkillRuntime } from '@talon/skill-runtime/runtime/sandbox-skill-runtime.ts';
import { createTalonSkillRuntime, type TalonSkillRuntimeOptions } from '../skills/talon-skill-runtime.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface TestSkillRuntime {
  runtime: SandboxSkillRuntime;
  database: TestDatabase;
  settings: SettingsStore;
  audit: AuditLog;
  /** Installs a hand-written skill with grants = what its manifest asks for. */
  install(manifest: Partial<SkillManifest> & { name: string }, code: string): Promise<void>;
  close(): Promise<void>;
}

/** The real runtime (workers, isolates, gate, PostgreSQL storage) on a test database of its own. */
export async function createTestSkillRuntime(
  options: Omit<Partial<TalonSkillRuntimeOptions>, 'pool' | 'settings' | 'audit'> = {},
): Promise<TestSkillRuntime> {
  const database = await createTestDatabase();
  const logger = options.logger ?? createLogger('silent');
  const settings = await SettingsStore.load(
    database.pool,
    new SettingsCipher('skill-runtime-test-key-base-0123456789abcdef'),
    logger,
  );
  await settings.seed(SETTING_DEFINITIONS, {});
  const audit = new AuditLog(database.pool, logger);
  const runtime = createTalonSkillRuntime({ ...options, pool: database.pool, settings, audit, logger });
  return {
    runtime,
    database,
    settings,
    audit,
    install: (manifest, code) => runtime.install(testPackage(manifest, code)),
    close: async () => {
      await runtime.close();
      await database.drop();
    },
  };
}
