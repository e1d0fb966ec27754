import type { SkillStatus } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { WallStatus } from '@talon/skill-runtime/sandbox/wall.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { BackupService } from './backup/backup-service.ts';
import type { TalonConfig } from './config/env.ts';
import type { ResolvedSecretKeyBase } from './crypto/secret-key-base.ts';
import type { DatabasePool } from './db/pool.ts';
import type { TelegramGateway } from './gateway/gateway.ts';
import type { HealthProbe } from './health/component-health.ts';
import { DOCTOR_CHECKS } from './health/doctor-checks.ts';
import { runDoctor } from './health/doctor.ts';
import type { Finding } from './health/finding.ts';
import { cachedFindings, operationsPanel, type OperationsPanel } from './health/operations-panel.ts';
import { databaseProbe } from './health/probes/database.ts';
import { llmProbe } from './health/probes/llm.ts';
import { sandboxWallProbe } from './health/probes/sandbox-wall.ts';
import { telegramProbe } from './health/probes/telegram.ts';
import type { LlmRouter } from './llm/router.ts';
import type { LogRing } from './logging/log-ring.ts';
import type { Logger } from './logging/logger.ts';
import type { Metrics } from './metrics/metrics.ts';
import { NodeLogs } from './logging/node-logs.ts';
import type { SettingsStore } from './settings/store.ts';

export interface OperationsDependencies {
  config: TalonConfig;
  logger: Logger;
  pool: DatabasePool;
  databaseUrl: string;
  embeddedDatabase: boolean;
  settings: SettingsStore;
  audit: AuditLog;
  secretKey: ResolvedSecretKeyBase;
  metrics: Metrics;
  wall?: (() => Promise<WallStatus>) | undefined;
  telegram?: Pick<TelegramGateway, 'status'> | undefined;
  llm?: Pick<LlmRouter, 'providers' | 'usage'> | undefined;
  skills?: (() => SkillStatus[]) | undefined;
  pendingSkills?: (() => string[]) | undefined;
  /** This node's log lines (the Logs screen); absent when the caller gave Talon a logger of its own. */
  logRing?: LogRing | undefined;
  /**
   * More health probes (the browser sidecar's...): a domain adds one as a file in health/probes/ and
   * boot.ts passes it here.
   */
  extraProbes?: readonly HealthProbe[];
}

/** What the operator's screens serve: the dashboard's health and findings, plots, logs, backups. */
export interface OperationsServices {
  node: string;
  panel(): Promise<OperationsPanel>;
  doctor(): Promise<Finding[]>;
  metrics: Metrics;
  logs: NodeLogs | undefined;
  backups: BackupService;
  start(): void;
  stop(): Promise<void>;
}

const WALL_UNKNOWN: WallStatus = {
  up: false,
  mechanism: 'none',
  detail: 'no skill runtime runs on this node',
};

/** The one place the operator's services are built: boot.ts calls it, and so does the test app factory. */
export function createOperationsServices(deps: OperationsDependencies): OperationsServices {
  const wall = deps.wall ?? (() => Promise.resolve(WALL_UNKNOWN));
  const probes: HealthProbe[] = [
    databaseProbe(deps.pool, deps.embeddedDatabase),
    ...(deps.wall ? [sandboxWallProbe(deps.wall)] : []),
    ...(deps.telegram ? [telegramProbe(deps.telegram)] : []),
    ...(deps.llm ? [llmProbe(deps.llm)] : []),
    ...(deps.extraProbes ?? []),
  ];
  const doctor = cachedFindings(() =>
    runDoctor(DOCTOR_CHECKS, {
      config: deps.config,
      secretKey: deps.secretKey,
      pool: deps.pool,
      embeddedDatabase: deps.embeddedDatabase,
      settings: deps.settings,
      wall,
      now: () => new Date(),
    }),
  );
  const logs = deps.logRing ? new NodeLogs(deps.pool, deps.config.nodeName, deps.logRing) : undefined;
  const backups = new BackupService({
    pool: deps.pool,
    databaseUrl: deps.databaseUrl,
    settings: deps.settings,
    audit: deps.audit,
    secretKeyBase: deps.secretKey.value,
    dataDir: deps.config.dataDir,
    node: deps.config.nodeName,
    logger: deps.logger,
  });
  return {
    node: deps.config.nodeName,
    panel: () =>
      operationsPanel({
        pool: deps.pool,
        node: deps.config.nodeName,
        probes,
        doctor,
        skills: deps.skills,
        pendingSkills: deps.pendingSkills,
      }),
    doctor,
    metrics: deps.metrics,
    logs,
    backups,
    start: () => {
      logs?.start();
      backups.start();
    },
    stop: async () => {
      await backups.stop();
      await logs?.stop();
      await deps.metrics.stop();
    },
  };
}
