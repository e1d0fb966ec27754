/**
 * The core's side of the browser sidecar, as the admin, Telegram and the `web_automation` skill use
 * it: the supervised process, recordings (started on a URL, watched and driven through the live
 * view, stopped into a draft recipe), recipes as resources, replays and the files they keep.
 */
import type { RecordingView } from '@talon/sidecar-automator';
import type { AuditLog } from '../audit/audit-log.ts';
import type { StepUpVerifier } from '../auth/step-up.ts';
import type { LogLevel } from '../config/env.ts';
import type { DatabasePool } from '../db/pool.ts';
import { errorMessage, TalonError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { LiveTickets } from './live-tickets.ts';
import { RecipeResources, recipeTarget, type AutomationRequester } from './recipe-resources.ts';
import { sendReplayFiles, type DocumentChannel } from './report-files.ts';
import { replayText } from './report-text.ts';
import { RecipeStore, type RecipeRecord } from './recipe-store.ts';
import { ReplayRunner, type ReplayOptions, type ReplayReport } from './replay-runner.ts';
import { AutomationRunStore } from './run-store.ts';
import { readAutomationSettings } from './settings.ts';
import { SidecarClient } from './sidecar-client.ts';
import {
  SidecarSupervisor,
  type SidecarStatus,
  type SidecarSupervisorOptions,
} from './sidecar-supervisor.ts';

export interface AutomationServiceOptions {
  pool: DatabasePool;
  settings: SettingsStore;
  audit: AuditLog;
  logger: Logger;
  stepUp: StepUpVerifier;
  nodeName: string;
  dataDir: string;
  logLevel: LogLevel;
  /** Tests: a shorter backoff, extra sidecar environment, a fake launcher. */
  supervisor?: Partial<Pick<SidecarSupervisorOptions, 'extraEnv' | 'launch' | 'backoff' | 'readyTimeoutMs'>>;
}

/**
 * The owner's chat as a replay report needs it: plain text and documents (the gateway's outbound,
 * attached once the gateway exists).
 */
export interface ReportChannel extends DocumentChannel {
  send(chatId: string, text: string): Promise<void>;
}

/** The step-up action a code for a replay from Telegram is checked for (bound to the recipe's version). */
export const AUTOMATION_REPLAY_ACTION = 'automation.replay';

/** The step-up action a code for `/record` from Telegram is checked for (bound to the URL). */
export const AUTOMATION_RECORD_ACTION = 'automation.record';

export interface StoppedRecordingView {
  recipe: RecipeRecord;
  /** What the recording could not capture (a file upload, a download no click started). */
  notes: string[];
}

/** A sidecar recording id: a UUID (checked before it goes into a path). */
const RECORDING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function checkRecordingId(id: string): string {
  if (!RECORDING_ID.test(id)) {
    throw new TalonError('recording_not_found', `There is no recording ${id.slice(0, 40)}`, 404);
  }
  return id;
}

export class AutomationService {
  readonly supervisor: SidecarSupervisor;
  readonly client: SidecarClient;
  readonly recipes: RecipeResources;
  readonly runs: AutomationRunStore;
  readonly tickets: LiveTickets;
  readonly #replays: ReplayRunner;
  readonly #audit: AuditLog;
  readonly #logger: Logger;
  readonly #settings: SettingsStore;
  readonly #stepUp: StepUpVerifier;
  #chat: ReportChannel | undefined;

  constructor(options: AutomationServiceOptions) {
    this.#audit = options.audit;
    this.#logger = options.logger;
    this.#settings = options.settings;
    this.#stepUp = options.stepUp;
    this.supervisor = new SidecarSupervisor({
      settings: options.settings,
      logger: options.logger,
      nodeName: options.nodeName,
      dataDir: options.dataDir,
      logLevel: options.logLevel,
      ...options.supervisor,
    });
    this.client = new SidecarClient(() => this.supervisor.endpoint());
    this.recipes = new RecipeResources({
      store: new RecipeStore(options.pool),
      settings: options.settings,
      stepUp: options.stepUp,
      audit: options.audit,
    });
    this.runs = new AutomationRunStore(options.pool, options.dataDir);
    this.tickets = new LiveTickets(options.pool);
    this.#replays = new ReplayRunner({
      resources: this.recipes,
      runs: this.runs,
      client: this.client,
      settings: options.settings,
      logger: options.logger,
    });
  }

  start(): Promise<void> {
    return this.supervisor.start();
  }

  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  status(): { enabled: boolean; sidecar: SidecarStatus } {
    return { enabled: readAutomationSettings(this.#settings).enabled, sidecar: this.supervisor.status() };
  }

  /** The recording in progress and stopped ones still waiting to be saved (none when automation is off). */
  async recordings(): Promise<RecordingView[]> {
    if (!readAutomationSettings(this.#settings).enabled) return [];
    return this.client.recordings();
  }

  async startRecording(
    request: { url: string; name?: string | undefined },
    requester: AutomationRequester,
  ): Promise<RecordingView> {
    const view = await this.client.startRecording(
      request.name ? { url: request.url, name: request.name } : { url: request.url },
    );
    await this.#audit.record({
      actor: requester.actor,
      action: 'automation.record.start',
      target: view.id,
      outcome: 'succeeded',
      source: requester.source,
      details: { url: view.url, name: view.name },
    });
    return view;
  }

  /**
   * A recording asked for from the owner's chat: the code is checked for exactly that URL first
   * (a chat is a second way in, so starting a browser from it is a sensitive command).
   */
  async startRecordingWithCode(
    url: string,
    code: string,
    requester: AutomationRequester,
  ): Promise<RecordingView> {
    await this.#stepUp.verify({
      action: AUTOMATION_RECORD_ACTION,
      code,
      actor: requester.actor,
      source: requester.source,
      target: url,
    });
    return this.startRecording({ url }, requester);
  }

  /** Stops a recording and saves its draft as a recipe to review (stopping again returns the same one). */
  async stopRecording(id: string, requester: AutomationRequester): Promise<StoppedRecordingView> {
    checkRecordingId(id);
    const stopped = await this.client.stopRecording(id);
    const saved =
      (await this.recipes.store.bySourceRecording(id)) ??
      (await this.recipes.importDraft(stopped.recipe, stopped.problems, id));
    // Files downloaded while recording only showed the owner it worked: replays download their own.
    await this.client
      .deleteRun(id)
      .catch((error: unknown) =>
        this.#logger.warn(
          { recording: id, reason: errorMessage(error) },
          'could not delete a recording’s files',
        ),
      );
    await this.#audit.record({
      actor: requester.actor,
      action: 'automation.record.stop',
      target: saved.name,
      outcome: 'succeeded',
      source: requester.source,
      details: { recording: id, recipe: saved.id, steps: saved.recipe.steps.length },
    });
    return { recipe: saved, notes: stopped.notes };
  }

  async discardRecording(id: string, requester: AutomationRequester): Promise<void> {
    checkRecordingId(id);
    await this.client.discardRecording(id);
    await this.#audit.record({
      actor: requester.actor,
      action: 'automation.record.discard',
      target: id,
      outcome: 'succeeded',
      source: requester.source,
    });
  }

  /** Checks the recording exists and is running before a live view is handed out for it. */
  async liveRecording(id: string): Promise<RecordingView> {
    checkRecordingId(id);
    const view = (await this.recordings()).find((recording) => recording.id === id);
    if (!view || view.state !== 'recording') {
      throw new TalonError('recording_not_running', `The recording ${id} is not running`, 404);
    }
    return view;
  }

  replay(recipeName: string, options: ReplayOptions): Promise<ReplayReport> {
    return this.#replays.replay(recipeName, options);
  }

  attachChat(chat: ReportChannel): void {
    this.#chat = chat;
  }

  /**
   * Verifies a code for replaying exactly this recipe at this version (a recipe changed since the
   * code was asked for is refused), for Telegram's `/replay`.
   */
  async approveReplay(
    recipeId: string,
    version: number,
    code: string,
    requester: AutomationRequester,
  ): Promise<RecipeRecord> {
    const record = await this.recipes.store.get(recipeId);
    if (record.version !== version || record.status !== 'ready') {
      throw new TalonError(
        'recipe_changed',
        `The recipe ${record.name} changed after the code was asked for: send /replay again`,
        409,
      );
    }
    await this.#stepUp.verify({
      action: AUTOMATION_REPLAY_ACTION,
      code,
      actor: requester.actor,
      source: requester.source,
      target: recipeTarget(record),
    });
    return record;
  }

  /**
   * Replays without holding up the chat; the downloads it kept are sent to `chatId` as documents
   * (within Telegram's limits), then the report (or why it failed), which names any file not sent.
   */
  replayForChat(record: RecipeRecord, parameters: Record<string, string>, chatId: string): void {
    void this.#replayForChat(record, parameters, chatId).catch((error: unknown) =>
      this.#logger.warn({ reason: errorMessage(error) }, 'could not send a replay report to Telegram'),
    );
  }

  async #replayForChat(record: RecipeRecord, parameters: Record<string, string>, chatId: string) {
    let text: string;
    try {
      const report = await this.replay(record.name, { parameters, trigger: 'telegram' });
      const files = this.#chat
        ? await sendReplayFiles({
            channel: this.#chat,
            chatId,
            recipe: report.recipe,
            folder: this.runs.folderOf(report.runId, 'downloads'),
            files: report.downloads,
          })
        : undefined;
      for (const file of files?.notSent ?? []) {
        this.#logger.info(
          { run: report.runId, file: file.name, reason: file.reason },
          'replay file not sent to Telegram',
        );
      }
      text = replayText(report, this.#settings.getString('server.public_url'), record.id, files);
    } catch (error) {
      text = `Replay of ${record.name} did not run: ${errorMessage(error)}`;
    }
    await this.#chat?.send(chatId, text);
  }

  async deleteRecipe(id: string, requester: AutomationRequester): Promise<RecipeRecord> {
    const runs = await this.runs.forRecipe(id, 10_000);
    const deleted = await this.recipes.delete(id, requester);
    await this.runs.removeFiles(runs.map((run) => run.id));
    return deleted;
  }
}
