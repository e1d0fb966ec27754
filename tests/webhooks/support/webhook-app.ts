import type { FastifyInstance } from 'fastify';
import { AuditLog } from '@talon/core/audit/audit-log.ts';
import { loadSettings } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { SettingsCipher } from '@talon/core/crypto/settings-cipher.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { createAppServices, type AppServices } from '@talon/core/app-services.ts';
import { GithubDeliveries } from '@talon/core/github/deliveries.ts';
import type { ReviewPort, ReviewStart } from '@talon/core/github/reviews.ts';
import type { ReviewTarget } from '@talon/core/github/review-target.ts';
import { GithubWebhookReceiver } from '@talon/core/github/webhook-receiver.ts';
import { buildApp } from '@talon/core/server/app.ts';
import type { SettingsStore } from '@talon/core/settings/store.ts';
import { loginAsAdmin, type AdminSession } from '@talon/core/testing/admin-session.ts';
import { installResponseCheck } from '@talon/core/testing/response-check.ts';
import { TEST_ADMIN_PASSWORD, TEST_SECRET_KEY_BASE } from '@talon/core/testing/test-app.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { WorkflowWebhookReceiver } from '@talon/core/webhooks/webhook-receiver.ts';
import { WorkflowWebhooks } from '@talon/core/webhooks/workflow-webhooks.ts';
import { createWorkflowEngine, type WorkflowEngine } from '@talon/core/workflows/engine.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime } from '@talon/core/workflows/testing/scripted-runtime.ts';

/** Reviews asked for, instead of running the skill (the black-box test runs the real one). */
export class RecordedReviews implements ReviewPort {
  readonly started: { target: ReviewTarget; origin: string }[] = [];
  start(target: ReviewTarget, origin: string): ReviewStart {
    this.started.push({ target, origin });
    return { queued: true, ahead: 0 };
  }
}

export interface WebhookApp {
  app: FastifyInstance;
  database: TestDatabase;
  settings: SettingsStore;
  engine: WorkflowEngine;
  runtime: ScriptedRuntime;
  reviews: RecordedReviews;
  session: AdminSession;
  /** The clock the workflow webhook receiver reads (milliseconds); tests move it. */
  clock: { now: number | undefined };
  close(): Promise<void>;
}

/**
 * The whole HTTP app on a real database with the webhook routes as boot.ts wires them, a real
 * workflow engine (pg-boss) running scripted skills, and the response check on every answer.
 */
export async function startWebhookApp(
  options: { perMinute?: number; waitLimitMs?: number } = {},
): Promise<WebhookApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY_BASE: TEST_SECRET_KEY_BASE,
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  });
  const logger = createLogger('silent');
  const settings = await loadSettings(
    database.pool,
    new SettingsCipher(TEST_SECRET_KEY_BASE),
    config,
    logger,
  );
  const audit = new AuditLog(database.pool, logger);
  const services: AppServices = createAppServices({ config, logger, pool: database.pool, settings, audit });
  const runtime = new ScriptedRuntime().define('upper', (input) => ({
    result: JSON.stringify(input).toUpperCase(),
  }));
  const engine = createWorkflowEngine({
    databaseUrl: database.url,
    pool: database.pool,
    logger,
    node: 'webhook-node',
    runtime,
    catalog: new ManifestCatalog([manifest('upper'), manifest('slow')]),
    stepUp: services.stepUp,
    scheduler: { superviseIntervalSeconds: 1, periodicMissedCheck: false },
  });
  const reviews = new RecordedReviews();
  const clock: { now: number | undefined } = { now: undefined };
  const triggers = new WorkflowWebhooks({
    pool: database.pool,
    settings,
    stepUp: services.stepUp,
    workflows: engine.workflows,
  });
  const app = await buildApp({
    config,
    logger,
    pool: database.pool,
    settings,
    audit,
    secretKeyBase: TEST_SECRET_KEY_BASE,
    services,
    instrument: installResponseCheck,
    adminUiDir: '/nonexistent/talon-admin-ui',
    workflowEngine: engine,
    webhooks: {
      github: new GithubWebhookReceiver({
        settings,
        deliveries: new GithubDeliveries(database.pool),
        workflows: engine,
        reviews,
        audit,
        logger,
      }),
      workflows: new WorkflowWebhookReceiver({
        pool: database.pool,
        webhooks: triggers,
        engine,
        audit,
        now: () => clock.now ?? Date.now(),
        ...(options.perMinute ? { perMinute: options.perMinute } : {}),
        ...(options.waitLimitMs ? { waitLimitMs: options.waitLimitMs } : {}),
      }),
      triggers,
    },
  });
  await app.ready();
  await engine.start();
  const session = await loginAsAdmin(app, TEST_ADMIN_PASSWORD);
  return {
    app,
    database,
    settings,
    engine,
    runtime,
    reviews,
    session,
    clock,
    close: async () => {
      await app.close();
      services.stop();
      await engine.stop();
      await database.drop();
    },
  };
}
