import { requestedGrants } from '../contract/requested-grants.ts';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { MemoryStorage } from '../api/memory-storage.ts';
import type { JsonValue } from '../contract/json.ts';
import type { SkillManifest } from '../contract/manifest.ts';
import type { SkillPackage } from '../contract/runtime-contract.ts';
import { NO_AUDIT, type AuditEvent } from '../ports.ts';
import { SandboxSkillRuntime, type SandboxSkillRuntimeOptions } from '../runtime/sandbox-skill-runtime.ts';

/** A hand-written package (test code, no folder), granted what its manifest asks for. */
export function testPackage(manifest: Partial<SkillManifest> & { name: string }, code: string): SkillPackage {
  const full: SkillManifest = { version: '1.0.0', description: 'test skill', permissions: [], ...manifest };
  return {
    manifest: full,
    code,
    checksum: createHash('sha256').update(JSON.stringify(full)).update(code).digest('hex'),
    kind: 'dynamic',
    grants: requestedGrants(full),
  };
}

export interface MemoryRuntime {
  runtime: SandboxSkillRuntime;
  /** Settings the runtime reads (set them before a call); `secrets` holds the values of secret handles. */
  settings: Map<string, JsonValue>;
  secrets: Map<string, string>;
  storage: MemoryStorage;
  /** What the runtime wrote to the audit log. */
  audit: AuditEvent[];
  install(manifest: Partial<SkillManifest> & { name: string }, code: string): Promise<void>;
  close(): Promise<void>;
}

/** The real runtime (workers, isolates, gate) with memory backends: for the runtime's own tests. */
export function createMemoryRuntime(
  options: Partial<Omit<SandboxSkillRuntimeOptions, 'settings' | 'secrets' | 'storage' | 'audit'>> = {},
): MemoryRuntime {
  const settings = new Map<string, JsonValue>();
  const secrets = new Map<string, string>();
  const storage = new MemoryStorage();
  const audit: AuditEvent[] = [];
  const runtime = new SandboxSkillRuntime({
    logger: pino({ level: 'silent' }),
    sandbox: { spareWorkers: 0 },
    ...options,
    settings: { get: (key) => settings.get(key), isSensitive: (key) => secrets.has(key) },
    secrets: (handle) => secrets.get(handle) ?? '',
    storage,
    audit: {
      record: async (event) => {
        audit.push(event);
        await NO_AUDIT.record(event);
      },
    },
  });
  return {
    runtime,
    settings,
    secrets,
    storage,
    audit,
    install: (manifest, code) => runtime.install(testPackage(manifest, code)),
    close: () => runtime.close(),
  };
}
