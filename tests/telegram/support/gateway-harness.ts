import { EventEmitter } from 'node:events';
import { Announcements } from '@talon/core/announcements/announcements.ts';
import { AuditLog } from '@talon/core/audit/audit-log.ts';
import { StepUp } from '@talon/core/auth/step-up.ts';
import { TotpGuard } from '@talon/core/auth/totp-guard.ts';
import { TwoFactor } from '@talon/core/auth/two-factor.ts';
import { totpCodeAt } from '@talon/core/auth/totp.ts';
import { loadSettings } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { SettingsCipher } from '@talon/core/crypto/settings-cipher.ts';
import { announceDomainEvents, type TamperedSource } from '@talon/core/gateway/announcement-sources.ts';
import type { CommandGroup, SkillSummary } from '@talon/core/gateway/commands/command-table.ts';
import { COMMAND_GROUPS } from '@talon/core/gateway/commands/commands.ts';
import { TelegramGateway, type GatewayTimings } from '@talon/core/gateway/gateway.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import type { SettingsStore } from '@talon/core/settings/store.ts';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import type { TestDatabase } from '@talon/core/testing/test-database.ts';
import { TEST_SECRET_KEY_BASE } from '@talon/core/testing/test-app.ts';
import type { WorkflowEngine } from '@talon/core/workflows/engine.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime } from '@talon/core/workflows/testing/scripted-runtime.ts';
import type { FakeBotApi } from '../../fakes/telegram-bot-api.ts';
import { startTestNode } from '../../workflows/support/engine.ts';

export const OWNER = 424_242_001;
export const STRANGER = 555_000_111;
export const BOT_TOKEN = '7000001:AAF-test-token_for-the-fake-bot-api';

/** Lease and loop times short enough for tests (production: 10 s renew, 30 s expiry). */
export const FAST_TIMINGS: Partial<GatewayTimings> = {
  lease: { renewMs: 100, expiryMs: 600 },
  longPollTimeoutSeconds: 1,
  dutiesIntervalMs: 50,
  maxBackoffMs: 500,
};

export interface GatewayNode {
  gateway: TelegramGateway;
  settings: SettingsStore;
  audit: AuditLog;
  announcements: Announcements;
  twoFactor: TwoFactor;
  engine: WorkflowEngine;
  /** Stand-ins for the skill runtime's breaker events and the lifecycle's tamper events. */
  breakers: EventEmitter;
  lifecycleEvents: EventEmitter;
  /** `releaseLease: false` stops like a crash: the lease is left to lapse. */
  stop(options?: { releaseLease?: boolean }): Promise<void>;
}

export interface NodeOptions {
  node?: string;
  /** First-boot seeds (the TELEGRAM_* variables). */
  env?: Record<string, string>;
  timings?: Partial<GatewayTimings>;
  runtime?: ScriptedRuntime;
  skills?: SkillSummary[];
  approvalTimeoutSeconds?: number;
  /** Milliseconds since the epoch the gateway believes it is (challenge expiry). */
  now?: () => number;
  /** Log lines (JSON) of this node are pushed here, when given. */
  logLines?: string[];
  /** Extra command groups (after the built-in ones), as a later issue would add them. */
  extraCommands?: CommandGroup[];
}

export const DEFAULT_SKILLS: SkillSummary[] = [
  { name: 'echo', kind: 'core', breaker: { state: 'closed' } },
  { name: 'flaky', kind: 'dynamic', breaker: { state: 'open' } },
];

/**
 * One Talon node's gateway on the test database, wired as boot.ts wires it: real settings (seeded
 * from TELEGRAM_* like a first boot), the real step-up and 2FA services, a real workflow engine on
 * pg-boss (with scripted skills: the sandbox is not what these tests are about), and the fake Bot API.
 */
export async function startGatewayNode(
  database: TestDatabase,
  fake: FakeBotApi,
  options: NodeOptions = {},
): Promise<GatewayNode> {
  const logLines = options.logLines;
  const logger = logLines
    ? createLogger('info', { write: (line: string) => void logLines.push(line) })
    : createLogger(process.env['TALON_TEST_LOG'] === '1' ? 'debug' : 'silent');
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY_BASE: TEST_SECRET_KEY_BASE,
    TELEGRAM_BOT_TOKEN: BOT_TOKEN,
    TELEGRAM_CHAT_ID: String(OWNER),
    TELEGRAM_API_ROOT: fake.apiRoot,
    ...options.env,
  });
  const settings = await loadSettings(
    database.pool,
    new SettingsCipher(TEST_SECRET_KEY_BASE),
    config,
    logger,
  );
  const audit = new AuditLog(database.pool, logger);
  const guard = new TotpGuard(database.pool);
  const stepUp = new StepUp({ settings, guard, audit });
  const twoFactor = new TwoFactor({ settings, guard, stepUp, audit, issuer: 'Talon' });
  const runtime =
    options.runtime ??
    new ScriptedRuntime()
      .define('echo', (input) => ({ result: input }))
      .define('fail', () => ({ error: 'boom', message: 'the service answered 500' }));
  const node = options.node ?? 'node-a';
  const { engine } = await startTestNode(database, {
    node,
    runtime,
    catalog: new ManifestCatalog([manifest('echo'), manifest('fail')]),
    stepUp,
    approvalTimeoutSeconds: options.approvalTimeoutSeconds ?? 120,
  });
  const announcements = new Announcements();
  const skills = options.skills ?? DEFAULT_SKILLS;
  const gateway = new TelegramGateway({
    pool: database.pool,
    settings,
    audit,
    logger,
    node,
    announcements,
    services: { skills: { list: () => skills }, workflows: engine, twoFactor, stepUp },
    timings: { ...FAST_TIMINGS, ...options.timings },
    ...(options.now ? { now: options.now } : {}),
    ...(options.extraCommands ? { commandGroups: [...COMMAND_GROUPS, ...options.extraCommands] } : {}),
  });
  const breakers = new EventEmitter();
  const lifecycleEvents = new EventEmitter();
  const stopSources = announceDomainEvents(
    announcements,
    {
      breakers: {
        onBreakerChange: (listener) => {
          breakers.on('change', listener);
          return () => breakers.off('change', listener);
        },
      },
      lifecycle: lifecycleEvents as unknown as TamperedSource,
      workflows: engine,
    },
    () => undefined,
  );
  await gateway.start();
  return {
    breakers,
    lifecycleEvents,
    gateway,
    settings,
    audit,
    announcements,
    twoFactor,
    engine,
    stop: async (stopOptions) => {
      stopSources();
      await gateway.stop(stopOptions);
      await engine.stop();
    },
  };
}

/** Enrols 2FA through the service (as the admin would) and answers the secret. */
export async function enrolTwoFactor(node: GatewayNode, database: TestDatabase): Promise<string> {
  const { secret } = await node.twoFactor.enrol({ actor: 'admin', source: 'test' });
  await node.twoFactor.confirm(await totpCodeAt(secret, Date.now() / 1000), {
    actor: 'admin',
    source: 'test',
  });
  await forgetUsedTotpCodes(database.pool);
  return secret;
}

/** A fresh valid code (the replay guard is cleared first, so each test may use one). */
export async function freshCode(secret: string, database: TestDatabase): Promise<string> {
  await forgetUsedTotpCodes(database.pool);
  return totpCodeAt(secret, Date.now() / 1000);
}

/** Sends a text from the owner and waits for the bot's answer to it. */
export async function ask(
  fake: FakeBotApi,
  text: string,
  options: { chatId?: number; fromId?: number } = {},
): Promise<string> {
  const before = fake.sent.length;
  fake.message({
    chatId: options.chatId ?? OWNER,
    ...(options.fromId ? { fromId: options.fromId } : {}),
    text,
  });
  const reply = await fake.waitForSent(() => true, { since: before });
  return reply.text;
}

/** Waits until the gateway on this node is connected and some node polls. */
export async function waitConnected(node: GatewayNode, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await node.gateway.status();
    if (status.state === 'connected' && status.activeNode !== null) return;
    if (Date.now() > deadline) throw new Error(`gateway not connected: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
