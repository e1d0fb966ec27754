import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Announcements } from './announcements/announcements.ts';
import { TalonError } from './errors.ts';
import { createAppServices, type AppServices } from './app-services.ts';
import { AuditLog } from './audit/audit-log.ts';
import type { TalonConfig } from './config/env.ts';
import { SettingsCipher } from './crypto/settings-cipher.ts';
import { resolveSecretKeyBase } from './crypto/secret-key-base.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.ts';
import { migrateUp } from './db/migrate.ts';
import { openPool, type DatabasePool } from './db/pool.ts';
import { isTotpEnrolled } from './auth/step-up.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { LogRing } from './logging/log-ring.ts';
import { startMetrics, type Metrics } from './metrics/metrics.ts';
import { createOperationsServices, type OperationsServices } from './operations-services.ts';
import { sidecarProbe } from './health/probes/sidecar.ts';
import { createStepUpApprovals, wireTelegramGateway, type TelegramWiring } from './gateway/wiring.ts';
import { buildApp } from './server/app.ts';
import { SETTING_DEFINITIONS } from './settings/definitions.ts';
import { listenForSettingChanges, type SettingsChangeListener } from './settings/change-listener.ts';
import { verifySecretKey } from './settings/key-check.ts';
import { SettingsStore } from './settings/store.ts';
import { DEFAULT_CORE_SKILLS_DIR } from './skills/core-skills.ts';
import { SkillLifecycle } from './skills/lifecycle.ts';
import type { SandboxSkillRuntime } from '@talon/skill-runtime/runtime/sandbox-skill-runtime.ts';
import { llmSkillPort } from './llm/skill-port.ts';
import { reportSandboxWall } from './skills/sandbox-wall-report.ts';
import { createTalonSkillRuntime } from './skills/talon-skill-runtime.ts';
import { createWorkflowEngine, type WorkflowEngine } from './workflows/engine.ts';
import { createLlm, type Llm } from './llm/create-llm.ts';
import { InstalledSkills } from './workflows/installed-skills.ts';
import { seedBuiltinWorkflows } from './workflows/builtin-workflows.ts';
import { AutomationService } from './automation/automation-service.ts';
import { automationPlacement } from './automation/placement.ts';
import { automationSkillPort } from './automation/skill-port.ts';
import { createShell } from './shell/create-shell.ts';
import { readShellSettings } from './shell/settings.ts';
import { shellJailProbe } from './health/probes/shell-jail.ts';
import { ShellService } from './shell/shell-service.ts';
import { SecurityReviews } from './github/reviews.ts';
import { GithubDeliveries } from './github/deliveries.ts';
import { GithubWebhookReceiver } from './github/webhook-receiver.ts';
import { WorkflowWebhooks } from './webhooks/workflow-webhooks.ts';
import { WorkflowWebhookReceiver } from './webhooks/webhook-receiver.ts';

export interface Database {
  url: string;
  pool: DatabasePool;
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

/** DATABASE_URL when given, otherwise an embedded PostgreSQL in `<DATA_DIR>/postgres`. */
export async function openDatabase(config: TalonConfig, logger: Logger): Promise<Database> {
  const embedded =
    config.databaseUrl === undefined
      ? await startEmbeddedPostgres({ clusterDir: path.join(config.dataDir, 'postgres'), logger })
      : undefined;
  const url = config.databaseUrl ?? embedded!.url;
  try {
    await migrateUpOrExplain(url, config, logger);
    const pool = await openPool(url, embedded ? 'the embedded PostgreSQL' : 'DATABASE_URL');
    return {
      url,
      pool,
      embedded,
      close: async () => {
        await pool.end().catch(() => undefined);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

async function migrateUpOrExplain(url: string, config: TalonConfig, logger: Logger): Promise<void> {
  // Prove the database answers first, so an unreachable URL gets a one-line message that names it.
  const probe = await openPool(
    url,
    config.databaseUrl === undefined ? 'the embedded PostgreSQL' : 'DATABASE_URL',
    {
      maximumPoolSize: 1,
    },
  );
  await probe.end();
  await migrateUp(url, logger);
}

export interface Talon {
  app: FastifyInstance;
  config: TalonConfig;
  logger: Logger;
  database: Database;
  settings: SettingsStore;
  audit: AuditLog;
  /** The skill runtime (sandbox workers) and the lifecycle that decides what it may run. */
  skills: { runtime: SandboxSkillRuntime; lifecycle: SkillLifecycle };
  /** Workflows: runs and schedules on pg-boss, shared with every node on the same database. */
  workflows: WorkflowEngine;
  /** The Telegram gateway and the announcements it delivers. */
  telegram: TelegramWiring;
  /** The LLM router (`llm.router.complete` is the SkillAPI's `llm.complete`) and the content sanitizer. */
  llm: Llm;
  /** The shell (`shell.exec`, `/shell`, the admin's Shell screen) and GitHub security reviews. */
  shell: { service: ShellService };
  github: { reviews: SecurityReviews };
  /** The browser sidecar: its process (when this node runs it), recordings, recipes, replays. */
  automation: AutomationService;
  /** The operator's services: health, the doctor, metrics, logs, backups. */
  operations: OperationsServices;
  /** The address the server listens on, e.g. http://127.0.0.1:5001. */
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Called on the bare HTTP app before any hook or route (tests install the response check). */
  instrumentApp?: (app: FastifyInstance) => void;
}

/** Loads the settings cache: proves the key, seeds first-boot values, encrypts stray plaintext. */
export async function loadSettings(
  pool: DatabasePool,
  cipher: SettingsCipher,
  config: TalonConfig,
  logger: Logger,
): Promise<SettingsStore> {
  await verifySecretKey(pool, cipher);
  const settings = await SettingsStore.load(pool, cipher, logger);
  const seeded = await settings.seed(SETTING_DEFINITIONS, config.seeds);
  if (seeded.length > 0) logger.info({ count: seeded.length }, 'seeded default settings');
  await settings.encryptPlaintextSensitive();
  await settings.reload();
  return settings;
}

/**
 * Starts a Talon node: database (embedded unless DATABASE_URL), migrations under a lock, settings
 * with the key proven, then the HTTP server. Every failure is a typed error with a one-line message.
 */
export async function startTalon(
  config: TalonConfig,
  givenLogger?: Logger,
  options: StartOptions = {},
): Promise<Talon> {
  // Unless the caller brings its own logger, every line also goes to this node's ring (the Logs screen).
  const logRing = givenLogger === undefined ? new LogRing({ next: pino.destination(1) }) : undefined;
  const logger = givenLogger ?? createLogger(config.logLevel, logRing);
  const secretKeyBase = resolveSecretKeyBase(config, logger);
  const database = await openDatabase(config, logger);
  let settingsListener: SettingsChangeListener | undefined;
  let runtime: SandboxSkillRuntime | undefined;
  let workflows: WorkflowEngine | undefined;
  let workflowPool: DatabasePool | undefined;
  let telegram: TelegramWiring | undefined;
  let services: AppServices | undefined;
  let metrics: Metrics | undefined;
  let operations: OperationsServices | undefined;
  let automation: AutomationService | undefined;
  let reviews: SecurityReviews | undefined;
  try {
    const cipher = new SettingsCipher(secretKeyBase.value);
    const settings = await loadSettings(database.pool, cipher, config, logger);
    settingsListener = await listenForSettingChanges(database.url, settings, logger);
    if (config.adminPassword === undefined) {
      logger.warn('ADMIN_PASSWORD is not set: nobody can log in to the admin until it is set');
    }
    const audit = new AuditLog(database.pool, logger);
    // Rollups of what happens (runs, skill calls, LLM tokens, failed logins) for the dashboard's plots.
    metrics = startMetrics({ pool: database.pool, logger });
    // What Talon tells its owner unasked (a login budget used up...); the Telegram gateway delivers it.
    const announcements = new Announcements();
    // Admin step-ups the owner may approve from Telegram (the gateway is attached in its wiring).
    const stepUpApprovals = createStepUpApprovals({ pool: database.pool, settings, audit });
    // Sessions, login, 2FA and the one step-up every surface asks, before anything that needs them.
    services = createAppServices({
      config,
      logger,
      pool: database.pool,
      settings,
      audit,
      announcements,
      wrapStepUp: (stepUp) => stepUpApprovals.wrap(stepUp),
    });
    // The browser sidecar (started below, once the server is built): `automation.run` replays through it.
    automation = new AutomationService({
      pool: database.pool,
      settings,
      audit,
      logger: logger.child({ component: 'automation' }),
      stepUp: services.stepUp,
      nodeName: config.nodeName,
      dataDir: config.dataDir,
      logLevel: config.logLevel,
      supervisor: { extraEnv: { ...config.sidecarEnv } },
    });
    // Providers from the first-boot seeds; the workflow executor cleans external output with its sanitizer.
    const llm = await createLlm({ pool: database.pool, settings, logger, seeds: config.seeds });
    // The shell's jail is probed now; the shell answers that it cannot run until the probe passed.
    const shell = createShell({ config, pool: database.pool, settings, audit, logger });
    runtime = createTalonSkillRuntime({
      pool: database.pool,
      settings,
      audit,
      logger,
      services: {
        llm: llmSkillPort(llm.router),
        automation: automationSkillPort(automation),
        shell: shell.host,
        // The gateway is built after the runtime (it announces the runtime's breaker changes).
        telegram: {
          send: async (text, options, caller) => {
            if (!telegram) throw new TalonError('telegram_not_configured', 'Telegram is not set up yet', 503);
            await telegram.gateway.skillSender.sendForSkill(caller.skill, text, options);
          },
        },
      },
    });
    void reportSandboxWall(runtime, logger, announcements);
    const shellService = new ShellService({
      host: shell.host,
      approvals: shell.approvals,
      stepUp: services.stepUp,
      runtime,
      logger,
    });
    reviews = new SecurityReviews({ runtime, logger: logger.child({ component: 'github' }) });
    // The workflow engine learns each skill's manifest (routes, configSchema) as it is installed.
    const installedSkills = new InstalledSkills();
    const skillLifecycle = new SkillLifecycle({
      pool: database.pool,
      audit,
      logger,
      runtime: installedSkills.track(runtime),
      stepUp: services.stepUp,
      skillsDir: config.skillsDir,
      coreSkillsDir: DEFAULT_CORE_SKILLS_DIR,
    });
    // The engine's own connections, not reset between its statements (none leaves session state):
    // the plans of its PL/pgSQL dispatch stay cached (core/src/workflows/README.md).
    workflowPool = await openPool(database.url, 'the workflow engine', { resetSession: false });
    workflows = createWorkflowEngine({
      databaseUrl: database.url,
      pool: workflowPool,
      logger,
      node: config.nodeName,
      // Every skill call of a run is counted (calls per skill, latency).
      runtime: metrics.meter.wrap(runtime),
      catalog: installedSkills,
      stepUp: services.stepUp,
      approvalTimeoutSeconds: () => settings.getInteger('workflows.approval_timeout_seconds', 120),
      twoFactorEnrolled: () => isTotpEnrolled(settings),
      historyLimits: () => ({
        maxAgeDays: settings.getInteger('workflows.history.max_age_days', 30),
        maxRunsPerWorkflow: settings.getInteger('workflows.history.max_runs_per_workflow', 1000),
      }),
      sanitizer: llm.sanitizer,
      llmPolicies: llm.router.runPolicies,
      // A workflow with a web_automation step runs on the node named by web_automator.node.
      scheduler: {
        placement: automationPlacement(settings),
        // Off by default: a run's start then waits for the disk like its end (workflows/README.md).
        asyncRunStart: () => settings.getBoolean('workflows.async_run_start', false),
      },
    });
    // Before the skills start, so a skill refused at start is announced.
    telegram = wireTelegramGateway({
      config,
      pool: database.pool,
      settings,
      audit,
      logger,
      stepUp: services.stepUp,
      announcements,
      approvals: stepUpApprovals,
      skills: runtime,
      lifecycle: skillLifecycle,
      workflows,
      shell: shellService,
      github: reviews,
      automation,
    });
    const gateway = telegram.gateway;
    shellService.attachChat((chatId, text) => gateway.outbound.send(chatId, text));
    automation.attachChat(gateway.outbound);
    reviews.attachOwner(async (text) => {
      if (gateway.ownerChatId() !== '') await gateway.sendPlain(gateway.ownerChatId(), text);
    });
    // Signed webhooks: GitHub's, and each workflow's own trigger (its secret a sensitive setting).
    const workflowWebhooks = new WorkflowWebhooks({
      pool: database.pool,
      settings,
      stepUp: services.stepUp,
      workflows: workflows.workflows,
    });
    await workflowWebhooks.removeOrphanSecrets();
    // The operator's view: health and the doctor's findings, plots, logs of every node, backups.
    operations = createOperationsServices({
      config,
      logger,
      pool: database.pool,
      databaseUrl: database.url,
      embeddedDatabase: database.embedded !== undefined,
      settings,
      audit,
      secretKey: secretKeyBase,
      metrics,
      wall: () => runtime!.wallStatus(),
      telegram: telegram.gateway,
      llm: llm.router,
      skills: () => runtime!.list(),
      pendingSkills: () => skillLifecycle.listPending().map((skill) => skill.name),
      logRing,
      extraProbes: [
        sidecarProbe(automation),
        shellJailProbe({
          enabled: () => readShellSettings(settings).enabled,
          jail: () => shell.host.jail.status,
        }),
      ],
    });
    const app = await buildApp({
      config,
      logger,
      pool: database.pool,
      settings,
      audit,
      secretKeyBase: secretKeyBase.value,
      services,
      skillLifecycle,
      skillRuntime: metrics.meter.wrap(runtime),
      sandboxWall: () => runtime!.wallStatus(),
      workflowEngine: workflows,
      llm: llm.router,
      telegram: telegram.gateway,
      automation,
      shell: { host: shell.host, service: shellService },
      webhooks: {
        github: new GithubWebhookReceiver({
          settings,
          deliveries: new GithubDeliveries(database.pool),
          workflows,
          reviews,
          audit,
          logger: logger.child({ component: 'github' }),
        }),
        workflows: new WorkflowWebhookReceiver({
          pool: database.pool,
          webhooks: workflowWebhooks,
          engine: workflows,
          audit,
        }),
        triggers: workflowWebhooks,
      },
      operations,
      instrument: options.instrumentApp,
    });
    // Core skills, then every approved skill verified against its checksum, before anyone can call them.
    await skillLifecycle.start().catch(async (error: unknown) => {
      await skillLifecycle.stop();
      await app.close();
      throw error;
    });
    await workflows.start();
    await automation.start();
    // Once, with the core skills installed: the "chat" workflow the owner may pick for Telegram's free text.
    await seedBuiltinWorkflows({ pool: database.pool, workflows: workflows.service, logger });
    await shell.ready;
    const url = await app.listen({ host: config.host, port: config.port });
    logger.info({ url }, 'Talon is listening');
    await telegram.start();
    operations.start();
    let stopping: Promise<void> | undefined;
    return {
      app,
      config,
      logger,
      database,
      settings,
      audit,
      skills: { runtime, lifecycle: skillLifecycle },
      workflows,
      telegram,
      llm,
      automation,
      shell: { service: shellService },
      github: { reviews },
      operations,
      url,
      stop: () =>
        (stopping ??= (async () => {
          // First, so another node can take over Telegram at once.
          await telegram?.stop();
          await app.close();
          services?.stop();
          await automation?.stop();
          await reviews?.stop();
          // Runs in flight finish, or go back to the queue for another node, before skills stop.
          await workflows?.stop();
          await workflowPool?.end();
          await skillLifecycle.stop();
          await runtime?.close();
          await operations?.stop();
          await settingsListener?.close();
          await database.close();
        })()),
    };
  } catch (error) {
    await telegram?.stop().catch(() => undefined);
    services?.stop();
    await automation?.stop().catch(() => undefined);
    await workflows?.stop().catch(() => undefined);
    await workflowPool?.end().catch(() => undefined);
    await runtime?.close();
    await (operations?.stop() ?? metrics?.stop());
    await settingsListener?.close();
    await database.close();
    throw error;
  }
}
