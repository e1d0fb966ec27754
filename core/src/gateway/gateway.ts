import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { Announcements } from '../announcements/announcements.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { DatabasePool } from '../db/pool.ts';
import { errorMessage, TalonError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { AnnouncementOutbox } from './announcement-outbox.ts';
import { DatabaseEventWatcher } from './announcement-sources.ts';
import { ChallengeStore, type ChallengeAction } from './challenges.ts';
import type { CommandGroup, GatewayServices } from './commands/command-table.ts';
import { buildCommandTable, COMMAND_GROUPS } from './commands/commands.ts';
import { Dispatcher } from './dispatcher.ts';
import { EphemeralMessages } from './ephemeral-messages.ts';
import { isConfigured, readGatewaySettings, RESTART_KEYS, type GatewaySettings } from './gateway-settings.ts';
import { DEFAULT_TIMINGS, type GatewayTimings } from './limits.ts';
import { Outbound } from './outbound.ts';
import { LeaseHolder } from './lease-holder.ts';
import { PollLease } from './poll-lease.ts';
import { RefusedChats } from './refused-chats.ts';
import { SendWindow } from './send-window.ts';
import { SkillTelegramSender, type OwnerSink } from './skill-send.ts';
import { StepUpGrants } from './step-up-grants.ts';
import type { OwnerChallenger } from './step-up-approvals.ts';
import { UpdateLog } from './update-log.ts';
import { UpdateRouter } from './update-router.ts';
import type { GatewayStateName } from './wire-types.ts';
import { grammySignal, sleep } from './sleep.ts';
import { describeTelegramError, isBadToken } from './telegram-errors.ts';

export type { GatewayTimings };

export type GatewayState = GatewayStateName;

export interface GatewayStatus {
  state: GatewayState;
  mode: string;
  node: string;
  bot: { id: number; username: string } | null;
  chatIdSet: boolean;
  /** The node that polls (or delivers, in webhook mode) now; null when none does. */
  activeNode: string | null;
  lastUpdateAt: string | null;
  lastError: string | null;
  webhookUrl: string | null;
  /** Updates dropped without a handler, by kind (edits, callbacks, photos…), since this node started. */
  dropped: Record<string, number>;
}

export interface GatewayOptions {
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
  logger: Logger;
  /** This node's name (`/ping`, the lease). */
  node: string;
  announcements: Announcements;
  services: Pick<
    GatewayServices,
    'skills' | 'workflows' | 'twoFactor' | 'stepUp' | 'shell' | 'github' | 'automation'
  >;
  timings?: Partial<GatewayTimings>;
  now?: () => number;
  commandGroups?: readonly CommandGroup[];
}

/**
 * The Telegram gateway of one node: a grammY bot on the configured Bot API root, restarted when
 * its settings change, talking to the owner's chat only. Exactly one node (the holder of the
 * lease) polls and delivers announcements; any node can send (skills, replies to webhook updates).
 */
export class TelegramGateway implements OwnerChallenger, OwnerSink {
  readonly #options: GatewayOptions;
  readonly #timings: GatewayTimings;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #lease: PollLease;
  readonly #updates: UpdateLog;
  readonly #refused: RefusedChats;
  readonly #window: SendWindow;
  readonly #watcher: DatabaseEventWatcher;
  readonly #ephemeral: EphemeralMessages;
  readonly #services: GatewayServices;
  readonly #dispatcher: Dispatcher;
  readonly outbound: Outbound;
  readonly outbox: AnnouncementOutbox;
  readonly challenges: ChallengeStore;
  readonly grants: StepUpGrants;
  readonly skillSender: SkillTelegramSender;

  #config: GatewaySettings;
  #bot: Bot | undefined;
  #state: GatewayState = 'stopped';
  #lastError: string | null = null;
  #reportedBadToken = '';
  #session: AbortController | undefined;
  #sessionDone: Promise<void> = Promise.resolve();
  readonly #holder: LeaseHolder;
  readonly #router: UpdateRouter;
  #stops: (() => void)[] = [];
  #restartTimer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.#logger = options.logger.child({ component: 'telegram' });
    this.#now = options.now ?? Date.now;
    this.#lease = new PollLease(options.pool, options.node, this.#timings.lease);
    this.#updates = new UpdateLog(options.pool);
    this.#window = new SendWindow(options.pool);
    this.#refused = new RefusedChats(options.pool, options.audit, this.#window);
    this.#watcher = new DatabaseEventWatcher(options.pool, options.announcements);
    this.#ephemeral = new EphemeralMessages(options.pool);
    this.challenges = new ChallengeStore(options.pool, this.#now);
    this.grants = new StepUpGrants(options.pool);
    this.outbound = new Outbound(() => this.#bot?.api);
    this.outbox = new AnnouncementOutbox(options.pool, options.settings, this.#window, {
      repeatWindowMs: this.#timings.announcementRepeatWindowMs,
      perMinute: this.#timings.announcementsPerMinute,
    });
    this.skillSender = new SkillTelegramSender(this, this.#window);
    this.#config = readGatewaySettings(options.settings);
    this.#router = new UpdateRouter({
      ownerChatId: () => this.#config.chatId,
      bot: () => this.#bot,
      refused: this.#refused,
      outbound: this.outbound,
      logger: this.#logger,
    });
    this.#holder = new LeaseHolder({
      lease: this.#lease,
      updates: this.#updates,
      timings: this.#timings,
      logger: this.#logger,
      handleUpdate: (update) => this.#router.handle(update),
      duties: (prune) => this.runDuties(prune),
      report: (problem, badToken) => {
        this.#lastError = problem;
        if (badToken) this.#state = 'bad_token';
      },
    });
    this.#services = {
      ...options.services,
      node: options.node,
      startedAt: this.#now(),
      now: this.#now,
      settings: options.settings,
      audit: options.audit,
      logger: this.#logger,
      challenges: this.challenges,
      grants: this.grants,
      ephemeral: this.#ephemeral,
      challengeTtlSeconds: this.#timings.challengeTtlSeconds,
    };
    const table = buildCommandTable(this.#services, options.commandGroups ?? COMMAND_GROUPS);
    this.#dispatcher = new Dispatcher(this.#services, table, this.outbound);
    // From construction on, so announcements made while Talon starts (a tampered skill) are kept.
    this.#stops.push(
      options.announcements.subscribe((announcement) => {
        const config = readGatewaySettings(options.settings);
        if (!isConfigured(config) || config.chatId === '') return;
        this.outbox
          .add(announcement)
          .catch((error: unknown) =>
            this.#logger.error({ reason: errorMessage(error) }, 'could not queue an announcement'),
          );
      }),
    );
  }

  get node(): string {
    return this.#options.node;
  }

  /** Starts the bot when configured, and follows the settings from now on. Never throws for Telegram's sake. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    if (this.#options.settings.getString('telegram.webhook_secret') === '') {
      await this.#options.settings.set('telegram.webhook_secret', randomBytes(32).toString('base64url'), {
        type: 'string',
        category: 'telegram',
        sensitive: true,
      });
    }
    this.#stops.push(
      this.#options.settings.onChange((change) => {
        if (RESTART_KEYS.has(change.key)) this.#scheduleRestart();
      }),
    );
    this.#startSession();
  }

  /**
   * Stops polling and gives the lease up, so another node takes over at once. `releaseLease: false`
   * leaves the lease to lapse, as a node that died would (tests of the failover use it).
   */
  async stop(options: { releaseLease?: boolean } = {}): Promise<void> {
    this.#started = false;
    clearTimeout(this.#restartTimer);
    for (const stop of this.#stops.splice(0)) stop();
    await this.#endSession(options.releaseLease ?? true);
    this.#state = 'stopped';
  }

  /** Re-reads the settings and starts over (a new token, chat, mode or API root). */
  async restart(): Promise<void> {
    // A restart already scheduled by the same settings change would only repeat this one.
    clearTimeout(this.#restartTimer);
    await this.#endSession();
    if (this.#started) this.#startSession();
  }

  #scheduleRestart(): void {
    clearTimeout(this.#restartTimer);
    // Several keys saved together (token and chat id) restart once.
    this.#restartTimer = setTimeout(() => {
      this.restart().catch((error: unknown) =>
        this.#logger.error({ reason: errorMessage(error) }, 'the Telegram gateway could not restart'),
      );
    }, 50);
  }

  #startSession(): void {
    const session = new AbortController();
    this.#session = session;
    this.#sessionDone = this.#runSession(session.signal).catch((error: unknown) => {
      this.#lastError = errorMessage(error);
      this.#logger.error({ reason: this.#lastError }, 'the Telegram gateway stopped');
    });
  }

  async #endSession(releaseLease = true): Promise<void> {
    this.#session?.abort();
    await this.#sessionDone;
    await this.#holder.stepDown(releaseLease);
    this.#bot = undefined;
  }

  async #runSession(signal: AbortSignal): Promise<void> {
    const config = readGatewaySettings(this.#options.settings);
    this.#config = config;
    this.#lastError = null;
    if (!config.enabled) return void (this.#state = 'disabled');
    if (!isConfigured(config)) return void (this.#state = 'not_configured');
    if (config.mode === 'invalid') {
      this.#state = 'invalid_mode';
      this.#lastError = 'telegram.mode must be "polling" or "webhook"';
      return;
    }
    this.#state = 'connecting';
    const bot = new Bot(config.token, { client: { apiRoot: config.apiRoot } });
    bot.use(this.#dispatcher.composer);
    if (!(await this.#connect(bot, config, signal))) return;
    this.#bot = bot;
    this.#state = 'connected';
    this.#logger.info({ bot: bot.botInfo.username, mode: config.mode }, 'Telegram gateway connected');
    await bot.api
      .setMyCommands(
        this.#dispatcher.commands.map((entry) => ({
          command: entry.name,
          description: entry.description.slice(0, 256),
        })),
      )
      .catch((error: unknown) =>
        this.#logger.warn(
          { reason: describeTelegramError(error, config.token) },
          'could not set the command list',
        ),
      );
    while (!signal.aborted) {
      await this.#holder.heartbeat(bot, config).catch((error: unknown) => {
        this.#lastError = `lease: ${errorMessage(error)}`;
        this.#logger.warn({ reason: this.#lastError }, 'could not renew the Telegram lease');
      });
      await sleep(this.#timings.lease.renewMs, signal);
    }
  }

  /** getMe with backoff; false when the token is bad (reported once) or the session ended. */
  async #connect(bot: Bot, config: GatewaySettings, signal: AbortSignal): Promise<boolean> {
    let backoff = config.pollIntervalMs;
    while (!signal.aborted) {
      try {
        // getMe ourselves rather than bot.init(), which retries 5xx on its own for up to 20 minutes:
        // the admin must see an outage, and the backoff is telegram.poll_interval's.
        bot.botInfo = await bot.api.getMe(grammySignal(signal));
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        this.#lastError = describeTelegramError(error, config.token);
        if (isBadToken(error)) {
          this.#state = 'bad_token';
          if (this.#reportedBadToken !== config.token) {
            this.#reportedBadToken = config.token;
            this.#logger.error(
              { reason: this.#lastError },
              'Telegram refused the bot token (getMe answered 401): set a valid token in the admin',
            );
          }
          return false;
        }
        this.#state = 'unreachable';
        this.#logger.warn(
          { reason: this.#lastError, retryInMs: backoff },
          'cannot reach the Telegram Bot API',
        );
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, this.#timings.maxBackoffMs);
      }
    }
    return false;
  }

  /** The lease holder's round: database events → announcements, delivery, due deletions, pruning. */
  async runDuties(prune = false): Promise<void> {
    const chatId = this.#config.chatId;
    await this.#watcher.check();
    if (chatId !== '' && this.#bot) {
      await this.outbox.deliverDue((text) => this.outbound.send(chatId, text), new Date(this.#now()));
    }
    for (const message of await this.#ephemeral.takeDue(new Date(this.#now()))) {
      await this.outbound.delete(message.chatId, message.messageId).catch(() => undefined);
    }
    if (prune) {
      await this.#updates.prune();
      await this.#window.prune();
      await this.outbox.prune();
      await this.grants.prune();
    }
  }

  /**
   * A webhook call: answered only in webhook mode, with the secret Telegram was given; an update
   * seen before is acknowledged without being handled again.
   */
  async receiveWebhook(
    secretHeader: string | undefined,
    update: Update,
  ): Promise<'handled' | 'forbidden' | 'not_webhook'> {
    const config = this.#config;
    if (this.#state !== 'connected' || config.mode !== 'webhook' || !this.#bot) return 'not_webhook';
    const expected = Buffer.from(config.webhookSecret);
    const given = Buffer.from(secretHeader ?? '');
    if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.#router.count('forged_webhook');
      return 'forbidden';
    }
    if (await this.#updates.claim(update.update_id)) await this.#router.handle(update);
    return 'handled';
  }

  async status(): Promise<GatewayStatus> {
    const lease = await this.#lease.state().catch(() => undefined);
    const config = this.#config;
    return {
      state: this.#state,
      mode: config.mode,
      node: this.#options.node,
      bot:
        this.#bot && this.#state === 'connected'
          ? { id: this.#bot.botInfo.id, username: this.#bot.botInfo.username }
          : null,
      chatIdSet: config.chatId !== '',
      activeNode: lease?.holder ?? null,
      lastUpdateAt: lease?.lastUpdateAt?.toISOString() ?? null,
      lastError: this.#lastError,
      webhookUrl:
        config.mode === 'webhook' && config.publicUrl !== '' ? `${config.publicUrl}/webhooks/telegram` : null,
      dropped: this.#router.dropped(),
    };
  }

  refusedChats(): ReturnType<RefusedChats['recent']> {
    return this.#refused.recent();
  }

  /** The admin's "send test message". */
  async sendTestMessage(): Promise<void> {
    await this.outbound.send(
      this.#requireChat(),
      `Test message from Talon (node ${this.#options.node}): the gateway reaches you.`,
    );
  }

  #requireChat(): string {
    const chatId = this.#config.chatId;
    if (!this.#bot) {
      throw new TalonError(
        'telegram_not_connected',
        `Telegram is not connected (${this.#state.replace('_', ' ')})`,
        409,
      );
    }
    if (chatId === '') {
      throw new TalonError(
        'telegram_no_chat',
        'Set telegram.chat_id first: Talon obeys and writes to that chat only',
        409,
      );
    }
    return chatId;
  }

  // OwnerSink (telegram.send for skills)
  ownerChatId(): string {
    return this.#bot ? this.#config.chatId : '';
  }
  sendPlain(chatId: string, text: string): Promise<void> {
    return this.outbound.send(chatId, text);
  }
  sendSanitizedHtml(chatId: string, html: string): Promise<void> {
    return this.outbound.sendSanitizedHtml(chatId, html);
  }

  // OwnerChallenger (admin step-ups approved from Telegram)
  async challengeOwner(action: ChallengeAction, description: string): Promise<boolean> {
    const chatId = this.#config.chatId;
    if (chatId === '' || !this.#bot) return false;
    const expires = new Date(this.#now() + this.#timings.challengeTtlSeconds * 1000);
    await this.challenges.open(chatId, action, description, expires);
    await this.outbound.send(
      chatId,
      `The admin asks: ${description}? Send the 6-digit code from your authenticator app within ${this.#timings.challengeTtlSeconds} s (ignore this if it was not you).`,
    );
    return true;
  }
}
