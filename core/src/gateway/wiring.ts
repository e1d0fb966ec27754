import type { Announcements } from '../announcements/announcements.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { StepUpVerifier } from '../auth/step-up.ts';
import { TotpGuard } from '../auth/totp-guard.ts';
import { TwoFactor } from '../auth/two-factor.ts';
import type { TalonConfig } from '../config/env.ts';
import type { DatabasePool } from '../db/pool.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import type { WorkflowEngine } from '../workflows/engine.ts';
import {
  announceDomainEvents,
  type BreakerChangeSource,
  type TamperedSource,
} from './announcement-sources.ts';
import type { GatewayServices, SkillSummary } from './commands/command-table.ts';
import { TelegramGateway, type GatewayTimings } from './gateway.ts';
import { TelegramStepUpApprovals } from './step-up-approvals.ts';
import { StepUpGrants } from './step-up-grants.ts';

export interface TelegramWiring {
  gateway: TelegramGateway;
  announcements: Announcements;
  /** Starts the bot (after the server listens: webhook mode needs it). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Admin step-ups that may be approved from Telegram: boot.ts wraps the shared step-up with it before
 * anything asks one, and the gateway is attached to it once it exists (`wireTelegramGateway`).
 */
export function createStepUpApprovals(deps: {
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
}): TelegramStepUpApprovals {
  return new TelegramStepUpApprovals({
    settings: deps.settings,
    grants: new StepUpGrants(deps.pool),
    audit: deps.audit,
  });
}

/**
 * The gateway as boot.ts wires it: announcements from the skill runtime's breakers, the lifecycle's
 * tamper events and failed workflow runs; 2FA from Telegram through the same step-up as the admin.
 * Build it before the skills start, so what they announce at start is kept.
 */
export function wireTelegramGateway(deps: {
  config: TalonConfig;
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
  logger: Logger;
  /** The step-up every surface shares (`createAppServices`, wrapped by `approvals`). */
  stepUp: StepUpVerifier;
  /** What Talon tells its owner; the gateway delivers it. */
  announcements: Announcements;
  /** Admin step-ups approved from Telegram (`createStepUpApprovals`): the gateway asks the owner. */
  approvals: TelegramStepUpApprovals;
  skills: ({ list(): SkillSummary[] } & BreakerChangeSource) | undefined;
  lifecycle: { events: TamperedSource } | undefined;
  workflows: WorkflowEngine | undefined;
  /** `/shell` and `/github`, where this node has them. */
  shell?: GatewayServices['shell'];
  github?: GatewayServices['github'];
  /** `/record`, `/replay`, `/automations`. */
  automation?: GatewayServices['automation'];
  timings?: Partial<GatewayTimings>;
}): TelegramWiring {
  const { announcements, approvals } = deps;
  const twoFactor = new TwoFactor({
    settings: deps.settings,
    guard: new TotpGuard(deps.pool),
    stepUp: deps.stepUp,
    audit: deps.audit,
    issuer: deps.config.totpIssuer,
  });
  const gateway = new TelegramGateway({
    pool: deps.pool,
    settings: deps.settings,
    audit: deps.audit,
    logger: deps.logger,
    node: deps.config.nodeName,
    announcements,
    services: {
      skills: deps.skills,
      workflows: deps.workflows,
      twoFactor,
      stepUp: deps.stepUp,
      shell: deps.shell,
      github: deps.github,
      automation: deps.automation,
    },
    ...(deps.timings ? { timings: deps.timings } : {}),
  });
  approvals.attach(gateway);
  const stopSources = announceDomainEvents(
    announcements,
    {
      ...(deps.skills ? { breakers: deps.skills } : {}),
      ...(deps.lifecycle ? { lifecycle: deps.lifecycle.events } : {}),
      ...(deps.workflows ? { workflows: deps.workflows } : {}),
    },
    (error) => deps.logger.warn({ reason: errorMessage(error) }, 'could not announce a workflow run'),
  );
  return {
    gateway,
    announcements,
    start: () => gateway.start(),
    stop: async () => {
      stopSources();
      await gateway.stop();
    },
  };
}
