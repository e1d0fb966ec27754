import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppServices } from '../app-services.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { TelegramGateway } from '../gateway/gateway.ts';
import type { TalonConfig } from '../config/env.ts';
import type { DatabasePool } from '../db/pool.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import type { WallStatus } from '@talon/skill-runtime/sandbox/wall.ts';
import type { SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { SkillLifecycle } from '../skills/lifecycle.ts';
import type { WorkflowEngine } from '../workflows/engine.ts';
import type { LlmRouter } from '../llm/router.ts';
import type { OperationsServices } from '../operations-services.ts';
import { registerAdminApi } from './admin-api.ts';
import { installAdminSecurity } from './admin-security.ts';
import { adminStatic, DEFAULT_ADMIN_UI_DIR } from './admin-static.ts';
import { installErrorHandler } from './error-handler.ts';
import { healthRoutes } from './routes/health.ts';
import { skillLifecycleRoutes } from './routes/skill-lifecycle.ts';
import { skillRoutes } from './routes/skills.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { llmRoutes } from './routes/llm.ts';
import { telegramRoutes } from './routes/telegram.ts';
import { telegramWebhookRoutes } from './routes/telegram-webhook.ts';
import { registerOperationsRoutes } from './routes/operations.ts';
import { automationRoutes } from './routes/automations.ts';
import type { AutomationService } from '../automation/automation-service.ts';
import { shellRoutes } from './routes/shell.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { webhookTriggerRoutes } from './routes/webhook-triggers.ts';
import type { ShellHost } from '../shell/shell-host.ts';
import type { ShellService } from '../shell/shell-service.ts';
import type { GithubWebhookReceiver } from '../github/webhook-receiver.ts';
import type { WorkflowWebhookReceiver } from '../webhooks/webhook-receiver.ts';
import type { WorkflowWebhooks } from '../webhooks/workflow-webhooks.ts';

export interface AppDependencies {
  config: TalonConfig;
  logger: Logger;
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
  /** The resolved SECRET_KEY_BASE: the session cookie key is derived from it. */
  secretKeyBase: string;
  /**
   * Sessions, login, 2FA and the step-up every surface shares, built by boot.ts (and the test
   * factories) with `createAppServices`: the app only serves them.
   */
  services: AppServices;
  /** The built admin UI to serve; defaults to the repository's admin-ui/dist. */
  adminUiDir?: string;
  /** Pending folders, approvals and TOTP-gated load/unload of skills (/api/skills/...). */
  skillLifecycle?: SkillLifecycle;
  /** Loaded skills, their breakers, and running one by hand (/api/skills, /api/skills/:name/run). */
  skillRuntime?: SkillRuntime;
  /** Whether the second wall around skill workers stands (the dashboard shows it). */
  sandboxWall?: (() => Promise<WallStatus>) | undefined;
  /** Workflows, their runs on pg-boss and schedules (/api/workflows/...). */
  workflowEngine?: WorkflowEngine;
  /** LLM providers and their usage (/api/llm/...). */
  llm?: LlmRouter;
  /** The Telegram gateway: its admin screen (/api/telegram/...) and its webhook (/webhooks/telegram). */
  telegram?: TelegramGateway;
  /** The shell: its admin screen (/api/shell). */
  shell?: { host: ShellHost; service: ShellService } | undefined;
  /** Signed webhooks (/webhooks/github, /webhooks/workflows/:id) and the triggers' admin. */
  webhooks?:
    | { github?: GithubWebhookReceiver; workflows?: WorkflowWebhookReceiver; triggers?: WorkflowWebhooks }
    | undefined;
  /** The browser sidecar: recordings, the live view, recipes, replays (/api/automations/...). */
  automation?: AutomationService | undefined;
  /** The operator's screens: health and the doctor on the dashboard, plots, logs, backups. */
  operations?: OperationsServices | undefined;
  /** Called on the bare app before any hook or route (tests install the response check here). */
  instrument?: (app: FastifyInstance) => void;
}

/** Request bodies larger than this are refused with 413 before any handler runs. */
export const BODY_LIMIT_BYTES = 1_048_576;

/** Builds the Fastify app without listening, so tests drive it with `app.inject()`. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    return503OnClosing: true,
    // Refuse unknown fields instead of silently dropping them (Fastify's default): a misspelt
    // field must be an error the sender sees, not a setting that quietly did not apply.
    ajv: { customOptions: { removeAdditional: false } },
    // Handlers' request and reply types come from the routes' JSON schemas (server/README.md).
  }).withTypeProvider<JsonSchemaToTsProvider>();
  deps.instrument?.(app);
  installErrorHandler(app);
  // First: the session, CSRF and deny-by-default hooks and app.stepUp must exist before any route.
  await installAdminSecurity(app, deps);
  await app.register(healthRoutes, { pool: deps.pool });
  await registerAdminApi(app, deps);
  if (deps.skillLifecycle) {
    await app.register(skillLifecycleRoutes, { lifecycle: deps.skillLifecycle, settings: deps.settings });
  }
  if (deps.skillRuntime) await app.register(skillRoutes, { runtime: deps.skillRuntime });
  if (deps.workflowEngine) {
    await app.register(workflowRoutes, { engine: deps.workflowEngine, settings: deps.settings });
  }
  if (deps.llm) await app.register(llmRoutes, { llm: deps.llm, settings: deps.settings, audit: deps.audit });
  if (deps.telegram) {
    await app.register(telegramRoutes, {
      gateway: deps.telegram,
      settings: deps.settings,
      audit: deps.audit,
      workflows: deps.workflowEngine?.workflows,
    });
  }
  // Public, so on every node: without a gateway it answers that webhook mode is not active here.
  await app.register(telegramWebhookRoutes, { gateway: deps.telegram });
  if (deps.shell) {
    await app.register(shellRoutes, { ...deps.shell, settings: deps.settings, audit: deps.audit });
  }
  // The signed webhooks are on the public list: they exist on every node, answering 503 without a receiver.
  await app.register(webhookRoutes, { github: deps.webhooks?.github, workflows: deps.webhooks?.workflows });
  if (deps.webhooks) {
    if (deps.webhooks.triggers) {
      await app.register(webhookTriggerRoutes, {
        webhooks: deps.webhooks.triggers,
        settings: deps.settings,
        audit: deps.audit,
      });
    }
  }
  if (deps.automation) {
    await app.register(automationRoutes, { automation: deps.automation, settings: deps.settings });
  }
  if (deps.operations) {
    await registerOperationsRoutes(app, {
      operations: deps.operations,
      settings: deps.settings,
      dataDir: deps.config.dataDir,
    });
  }
  // Registered after the plugins that add hooks, so the session check covers the admin's pages too.
  await app.register(adminStatic, { distDir: deps.adminUiDir ?? DEFAULT_ADMIN_UI_DIR });
  return app;
}
