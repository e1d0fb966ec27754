import type { SandboxSkillRuntimeOptions } from '@talon/skill-runtime/runtime/sandbox-skill-runtime.ts';
import { SandboxSkillRuntime } from '@talon/skill-runtime/runtime/sandbox-skill-runtime.ts';
import type { DatabasePool } from 'slonik';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { PostgresStorage } from './postgres-storage.ts';
import { ownerSecretResolver } from './secret-resolver.ts';

export interface TalonSkillRuntimeOptions extends Omit<
  SandboxSkillRuntimeOptions,
  'settings' | 'secrets' | 'storage' | 'audit' | 'logger'
> {
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
  logger: Logger;
}

/**
 * The skill runtime as Talon runs it: storage in PostgreSQL, the owner's settings read on every
 * call, secret handles resolved from the encrypted settings, denials in the audit log.
 */
export function createTalonSkillRuntime(options: TalonSkillRuntimeOptions): SandboxSkillRuntime {
  const { pool, settings, audit, logger, ...rest } = options;
  return new SandboxSkillRuntime({
    ...rest,
    settings: { get: (key) => settings.get(key), isSensitive: (key) => settings.isSensitive(key) },
    secrets: ownerSecretResolver(settings),
    storage: new PostgresStorage(pool),
    audit,
    logger,
  });
}
