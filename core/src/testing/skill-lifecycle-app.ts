import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { skillChecksum } from '@talon/skill-runtime/contract/checksum.ts';
import { createAppServices } from '../app-services.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { loadSettings } from '../boot.ts';
import { loadConfig } from '../config/env.ts';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { buildApp } from '../server/app.ts';
import type { SettingsStore } from '../settings/store.ts';
import type { SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { SkillLifecycle } from '../skills/lifecycle.ts';
import { SkillLifecycleEvents } from '../skills/skill-events.ts';
import { TEST_ADMIN_PASSWORD, TEST_SECRET_KEY_BASE } from './test-app.ts';
import { installResponseCheck } from './response-check.ts';
import type { TestDatabase } from './test-database.ts';

export interface RuntimeServices {
  pool: TestDatabase['pool'];
  settings: SettingsStore;
  audit: AuditLog;
  logger: Logger;
}

export interface SkillLifecycleApp {
  app: FastifyInstance;
  lifecycle: SkillLifecycle;
  runtime: SkillRuntime;
  events: SkillLifecycleEvents;
  audit: AuditLog;
  close(): Promise<void>;
}

/**
 * The Talon app with the skill lifecycle wired as boot.ts wires it (the shared step-up, a real
 * database, a real skills folder), on a runtime the test chooses. Closing it is a "stop"; calling
 * it again on the same database and folders is a restart.
 */
export async function startSkillLifecycleApp(options: {
  database: TestDatabase;
  skillsDir: string;
  coreSkillsDir?: string;
  /** A runtime, or a factory given the app's own services (the real runtime needs them). */
  runtime: SkillRuntime | ((services: RuntimeServices) => SkillRuntime);
  watch?: boolean;
  /** Listeners attached before start see what boot verification announces. */
  events?: SkillLifecycleEvents;
}): Promise<SkillLifecycleApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY_BASE: TEST_SECRET_KEY_BASE,
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    SKILLS_DIR: options.skillsDir,
  });
  const logger = createLogger('silent');
  const settings = await loadSettings(
    options.database.pool,
    new SettingsCipher(TEST_SECRET_KEY_BASE),
    config,
    logger,
  );
  const audit = new AuditLog(options.database.pool, logger);
  const events = options.events ?? new SkillLifecycleEvents();
  const runtime =
    typeof options.runtime === 'function'
      ? options.runtime({ pool: options.database.pool, settings, audit, logger })
      : options.runtime;
  // Built as boot.ts builds them, by the same function, before the lifecycle that asks the step-up.
  const services = createAppServices({ config, logger, pool: options.database.pool, settings, audit });
  const lifecycle = new SkillLifecycle({
    pool: options.database.pool,
    audit,
    logger,
    runtime,
    stepUp: services.stepUp,
    skillsDir: config.skillsDir,
    coreSkillsDir: options.coreSkillsDir,
    events,
    watch: options.watch ?? false,
  });
  const app = await buildApp({
    config,
    logger,
    pool: options.database.pool,
    settings,
    audit,
    secretKeyBase: TEST_SECRET_KEY_BASE,
    services,
    adminUiDir: '/nonexistent/talon-admin-ui',
    // Every response is compared with what its handler produced: a schema that drops a field fails the test.
    instrument: installResponseCheck,
    skillLifecycle: lifecycle,
  });
  await app.ready();
  await lifecycle.start();
  return {
    app,
    lifecycle,
    runtime,
    events,
    audit,
    close: async () => {
      await lifecycle.stop();
      await app.close();
      services.stop();
      await runtime.close();
    },
  };
}

export interface TestSkill {
  name: string;
  version?: string;
  permissions?: string[];
  net?: string[];
  secrets?: string[];
  routes?: string[];
  code?: string;
}

export function testSkillFiles(skill: TestSkill): { manifest: Record<string, unknown>; code: string } {
  const manifest: Record<string, unknown> = {
    name: skill.name,
    version: skill.version ?? '1.0.0',
    description: `Test skill ${skill.name}`,
    permissions: skill.permissions ?? [],
  };
  if (skill.net) manifest['net'] = skill.net;
  if (skill.secrets) manifest['secrets'] = skill.secrets;
  if (skill.routes) manifest['routes'] = skill.routes;
  const code = skill.code ?? 'export default { run(ctx) { return { echoed: ctx.input }; } };\n';
  return { manifest, code };
}

/** Writes `<dir>/<name>/skill.json` and `index.js` and returns the package checksum. */
export async function writeTestSkill(dir: string, skill: TestSkill): Promise<string> {
  const { manifest, code } = testSkillFiles(skill);
  const folder = path.join(dir, skill.name);
  await mkdir(folder, { recursive: true, mode: 0o755 });
  await writeFile(path.join(folder, 'skill.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  await writeFile(path.join(folder, 'index.js'), code, { mode: 0o644 });
  return skillChecksum(manifest, code);
}
