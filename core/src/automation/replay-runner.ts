/**
 * One replay, as every surface asks for it (a workflow step through the `web_automation` skill, the
 * admin's "replay now", Telegram's `/replay`): the reviewed recipe, its secrets from the encrypted
 * settings, its kept session; the sidecar runs it; the files are copied under the data folder, then
 * the sidecar's run is deleted; the report is what the caller sees.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ReplayResult, SavedFile } from '@talon/sidecar-automator';
import { parseRecipe } from '@talon/skill-runtime/recipes/index.ts';
import { errorMessage, TalonError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import type { RecipeResources } from './recipe-resources.ts';
import {
  isKeptFileName,
  type AutomationRunStore,
  type AutomationTrigger,
  type FileKind,
  type KeptFile,
} from './run-store.ts';
import { readAutomationSettings } from './settings.ts';
import type { SidecarClient } from './sidecar-client.ts';

export interface ReplayFileView extends KeptFile {
  /** The admin route that serves it (session required). */
  url: string;
}

/** What a replay came to, as the skill, the admin and Telegram see it: never a secret, never the session. */
export interface ReplayReport {
  runId: string;
  recipe: string;
  status: 'succeeded' | 'failed';
  error: { code: string; message: string; step: number | null } | null;
  durationMs: number;
  steps: ReplayResult['steps'];
  downloads: ReplayFileView[];
  screenshots: ReplayFileView[];
  data: ReplayResult['data'];
  blockedRequests: ReplayResult['blockedRequests'];
  /** Files the core could not keep (too large for the caps), and why. */
  notes: string[];
}

export interface ReplayOptions {
  parameters?: Record<string, string>;
  trigger: AutomationTrigger;
  workflowRunId?: string | null;
  signal?: AbortSignal;
}

export function fileUrl(runId: string, file: Pick<KeptFile, 'kind' | 'name'>): string {
  return `/api/automations/runs/${runId}/files/${file.kind}/${encodeURIComponent(file.name)}`;
}

export interface ReplayRunnerOptions {
  resources: RecipeResources;
  runs: AutomationRunStore;
  client: SidecarClient;
  settings: SettingsStore;
  logger: Logger;
}

export class ReplayRunner {
  readonly #o: ReplayRunnerOptions;

  constructor(options: ReplayRunnerOptions) {
    this.#o = options;
  }

  async replay(recipeName: string, options: ReplayOptions): Promise<ReplayReport> {
    const { resources, runs, client, settings } = this.#o;
    const record = await resources.store.byName(recipeName);
    if (record.status !== 'ready') {
      throw new TalonError(
        'recipe_not_reviewed',
        `The recipe ${record.name} is a draft: review and approve it on the Automations screen first`,
        409,
      );
    }
    const recipe = parseRecipe(record.recipe);
    const secrets = resources.secretValues(record);
    const current = readAutomationSettings(settings);
    const storageState = resources.session(record);
    const started = new Date();
    const result = await client.replay(
      {
        recipe,
        secrets,
        parameters: options.parameters ?? {},
        ...(storageState ? { storageState } : {}),
        returnStorageState: record.keepSession,
        timeoutMs: current.replayTimeoutMs,
      },
      options.signal,
    );
    const runId = randomUUID();
    const notes: string[] = [];
    const kept: KeptFile[] = [];
    const copy = async (file: SavedFile & { step?: number }, kind: FileKind, reason: KeptFile['reason']) => {
      if (!isKeptFileName(file.name)) return notes.push(`${kind}: a file with an unusable name was not kept`);
      try {
        const folder = await runs.folderFor(runId, kind);
        const bytes = await client.copyFile(
          file.url,
          path.join(folder, file.name),
          file.name,
          current.maxDownloadBytes,
        );
        kept.push({ kind, name: file.name, bytes, sha256: file.sha256, step: file.step ?? null, reason });
      } catch (error) {
        notes.push(`${file.name} was not kept: ${errorMessage(error)}`);
      }
    };
    try {
      for (const file of result.downloads) await copy(file, 'downloads', null);
      for (const file of result.screenshots) await copy(file, 'screenshots', file.reason);
    } finally {
      // The sidecar's copy goes either way: the core keeps what it copied.
      await client
        .deleteRun(result.id)
        .catch((error: unknown) =>
          this.#o.logger.warn(
            { run: result.id, reason: errorMessage(error) },
            'could not delete a sidecar run',
          ),
        );
    }
    if (record.keepSession && result.status === 'succeeded' && result.storageState) {
      await resources.keepSession(record, result.storageState);
    }
    const error = result.error
      ? { code: result.error.code, message: result.error.message, step: result.error.step ?? null }
      : null;
    await runs.insert({
      id: runId,
      recipeId: record.id,
      recipeName: record.name,
      trigger: options.trigger,
      workflowRunId: options.workflowRunId ?? null,
      status: result.status,
      error,
      result: {
        steps: result.steps,
        data: result.data,
        blockedRequests: result.blockedRequests,
        durationMs: result.durationMs,
        notes,
      },
      files: kept,
      startedAt: started,
      finishedAt: new Date(),
    });
    await runs.prune(record.id, current.maxRecipeDownloadBytes);
    const view = (file: KeptFile): ReplayFileView => ({ ...file, url: fileUrl(runId, file) });
    return {
      runId,
      recipe: record.name,
      status: result.status,
      error,
      durationMs: result.durationMs,
      steps: result.steps,
      downloads: kept.filter((file) => file.kind === 'downloads').map(view),
      screenshots: kept.filter((file) => file.kind === 'screenshots').map(view),
      data: result.data,
      blockedRequests: result.blockedRequests,
      notes,
    };
  }
}
