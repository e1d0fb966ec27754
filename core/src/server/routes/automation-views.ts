/** What the /api/automations routes send: records as the admin reads them (times in ISO 8601). */
import type { RecordingView } from '@talon/sidecar-automator';
import type { RecipeResources } from '../../automation/recipe-resources.ts';
import type { RecipeRecord } from '../../automation/recipe-store.ts';
import { fileUrl } from '../../automation/replay-runner.ts';
import type { AutomationRunRecord } from '../../automation/run-store.ts';
import { sessionSettingKey } from '../../automation/recipe-resources.ts';
import type { SettingsStore } from '../../settings/store.ts';
import type { RecipeDetail, RecipeSummary, RecordingViewBody } from './automation-schemas.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

export function runSummary(run: AutomationRunRecord): NonNullable<RecipeSummary['lastRun']> {
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    error: run.error,
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    files: run.files.map((file) => ({ ...file, url: fileUrl(run.id, file) })),
  };
}

export function recipeSummary(record: RecipeRecord, lastRun: AutomationRunRecord | undefined): RecipeSummary {
  const recipe = record.recipe as Partial<RecipeRecord['recipe']>;
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    version: record.version,
    steps: Array.isArray(recipe.steps) ? recipe.steps.length : 0,
    allowedDomains: Array.isArray(recipe.allowedDomains) ? recipe.allowedDomains : [],
    updatedAt: iso(record.updatedAt),
    lastRun: lastRun ? runSummary(lastRun) : null,
  };
}

export function recipeDetail(
  record: RecipeRecord,
  resources: RecipeResources,
  settings: SettingsStore,
  runs: readonly AutomationRunRecord[],
): RecipeDetail {
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    version: record.version,
    recipe: record.recipe as unknown as RecipeDetail['recipe'],
    problems: record.problems,
    keepSession: record.keepSession,
    sessionKept: settings.getString(sessionSettingKey(record)) !== '',
    secrets: resources.secrets(record),
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    reviewedAt: record.reviewedAt === null ? null : iso(record.reviewedAt),
    runs: runs.map(runSummary),
  };
}

/** The sidecar's view of a recording, with only the fields the schema lists. */
export function recordingView(view: RecordingView): RecordingViewBody {
  return {
    id: view.id,
    name: view.name,
    url: view.url,
    state: view.state,
    startedAt: view.startedAt,
    ...(view.stoppedAt ? { stoppedAt: view.stoppedAt } : {}),
    ...(view.stoppedBy ? { stoppedBy: view.stoppedBy } : {}),
    display: { width: view.display.width, height: view.display.height },
    ...(view.liveView ? { liveView: view.liveView } : {}),
  };
}
