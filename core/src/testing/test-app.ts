import type { FastifyInstance } from 'fastify';
import type { Announcements } from '../announcements/announcements.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { loadSettings } from '../boot.ts';
import { loadConfig, type TalonConfig } from '../config/env.ts';
import { SettingsCipher } from '../crypto/settings-cipher.ts';
import { createLogger } from '../logging/logger.ts';
import { createAppServices, type AppServicesDependencies } from '../app-services.ts';
import { buildApp } from '../server/app.ts';
import type { SettingsStore } from '../settings/store.ts';
import { createLlm } from '../llm/create-llm.ts';
import { LogRing } from '../logging/log-ring.ts';
import { startMetrics } from '../metrics/metrics.ts';
import { createOperationsServices, type OperationsServices } from '../operations-services.ts';
import type { LlmRouter } from '../llm/router.ts';
import { installResponseCheck } from './response-check.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export const TEST_ADMIN_PASSWORD = 'correct horse battery staple';
export const TEST_SECRET_KEY_BASE = 'test-secret-key-base-that-is-long-enough-0123456789';

export interface TestAppOptions {
  /** ADMIN_PASSWORD; pass `null` for "not set". Default TEST_ADMIN_PASSWORD. */
  adminPassword?: string | null;
  /** Reuse a database (a "restart": a new app on the same data). Default: a fresh one, dropped on close. */
  database?: TestDatabase;
  secretKeyBase?: string;
  /** The built admin UI to serve; default: none (pages answer 503 "not built"). */
  adminUiDir?: string;
  /** Receives what the app announces (a login budget used up...). */
  announcements?: Announcements;
  /** The global login budget's clock and pause, so a test need not wait. */
  loginTiming?: AppServicesDependencies['loginTiming'];
  /** Wire the LLM router and its routes (/api/llm/...), as boot does. */
  llm?: boolean;
  /**
   * Wire the operator's services and routes (dashboard health and findings, /api/activity, /api/logs,
   * /api/backups), as boot does; the data folder (backups) is this one.
   */
  operations?: { dataDir: string };
}

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  settings: SettingsStore;
  audit: AuditLog;
  config: TalonConfig;
  /** The LLM router, when asked for with `llm: true`. */
  llm: LlmRouter | undefined;
  /** The operator's services, when asked for with `operations`. */
  operations: OperationsServices | undefined;
  /** Closes the app; drops the database only if this call created it. */
  close(): Promise<void>;
}

/** The whole Talon app, as boot.ts wires it, on a real test database, for `app.inject()`. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await createTestDatabase());
  const secretKeyBase = options.secretKeyBase ?? TEST_SECRET_KEY_BASE;
  const adminPassword = options.adminPassword === undefined ? TEST_ADMIN_PASSWORD : options.adminPassword;
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY_BASE: secretKeyBase,
    ...(adminPassword === null ? {} : { ADMIN_PASSWORD: adminPassword }),
    ...(options.operations ? { DATA_DIR: options.operations.dataDir, TALON_NODE_NAME: 'test-node' } : {}),
  });
  // With the operations wired, the log goes to a ring (the Logs screen), at info, and nowhere else.
  const logRing = options.operations ? new LogRing() : undefined;
  const logger = logRing ? createLogger('info', logRing) : createLogger('silent');
  const settings = await loadSettings(database.pool, new SettingsCipher(secretKeyBase), config, logger);
  const audit = new AuditLog(database.pool, logger);
  const llm = options.llm
    ? (await createLlm({ pool: database.pool, settings, logger, seeds: config.seeds })).router
    : undefined;
  // Built as boot.ts builds them, by the same function.
  const services = createAppServices({
    config,
    logger,
    pool: database.pool,
    settings,
    audit,
    announcements: options.announcements,
    loginTiming: options.loginTiming,
  });
  const operations = options.operations
    ? createOperationsServices({
        config,
        logger,
        pool: database.pool,
        databaseUrl: database.url,
        embeddedDatabase: false,
        settings,
        audit,
        secretKey: { value: secretKeyBase, source: 'env' },
        metrics: startMetrics({ pool: database.pool, logger }),
        llm,
        logRing,
      })
    : undefined;
  const app = await buildApp({
    config,
    logger,
    pool: database.pool,
    settings,
    audit,
    secretKeyBase,
    services,
    adminUiDir: options.adminUiDir ?? '/nonexistent/talon-admin-ui',
    // Every response is compared with what its handler produced: a schema that drops a field fails the test.
    instrument: installResponseCheck,
    llm,
    operations,
  });
  await app.ready();
  return {
    app,
    database,
    settings,
    audit,
    config,
    llm,
    operations,
    close: async () => {
      await app.close();
      services.stop();
      await operations?.stop();
      if (ownsDatabase) await database.drop();
    },
  };
}
