/** A replay or a recording in words, for the owner's Telegram chat (plain text, never markup). */
import type { RecordingView } from '@talon/sidecar-automator';
import type { RecipeRecord } from './recipe-store.ts';
import type { FilesDelivery } from './report-files.ts';
import type { ReplayReport } from './replay-runner.ts';
import type { AutomationRunRecord } from './run-store.ts';
import { TELEGRAM_PREVIEW_CHARS } from './limits.ts';

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `<server.public_url>/automations…`, or the path alone when Talon has no public address yet. */
export function adminLink(publicUrl: string, path: string): string {
  const base = publicUrl.trim().replace(/\/+$/, '');
  return base === '' ? `${path} on the admin (set server.public_url for a link)` : `${base}${path}`;
}

/**
 * A replay's report; `files` (Telegram) says which downloads were sent as documents before it and
 * names the others, with why, to be fetched from the admin link that closes the report.
 */
export function replayText(
  report: ReplayReport,
  publicUrl: string,
  recipeId: string,
  files?: FilesDelivery,
): string {
  const seconds = (report.durationMs / 1000).toFixed(1);
  const lines =
    report.status === 'succeeded'
      ? [
          `Replayed ${report.recipe}: succeeded in ${seconds} s (${plural(report.steps.length, 'step', 'steps')}).`,
        ]
      : [
          `Replay of ${report.recipe} failed${report.error?.step == null ? '' : ` at step ${report.error.step + 1}`}` +
            ` (${report.error?.code ?? 'error'}): ${report.error?.message ?? 'no reason given'}`,
        ];
  if (report.downloads.length > 0) {
    lines.push(
      `${plural(report.downloads.length, 'file', 'files')} downloaded: ` +
        report.downloads.map((file) => `${file.name} (${file.bytes} bytes)`).join(', '),
    );
  }
  if (files && files.sent.length > 0) {
    lines.push(
      `Sent above as ${plural(files.sent.length, 'document', 'documents')}: ${files.sent.join(', ')}`,
    );
  }
  if (files && files.notSent.length > 0) {
    lines.push(
      `Not sent here — get ${files.notSent.length === 1 ? 'it' : 'them'} from the admin (link below):`,
      ...files.notSent.map((file) => `• ${file.name}: ${file.reason}`),
    );
  }
  for (const table of report.data.slice(0, 2)) {
    const preview = [table.headers.join(' | '), ...table.rows.slice(0, 5).map((row) => row.join(' | '))]
      .join('\n')
      .slice(0, TELEGRAM_PREVIEW_CHARS);
    lines.push(`Table ${table.name} (${table.rows.length} rows):\n${preview}`);
  }
  lines.push(...report.notes);
  lines.push(`Files and screenshots: ${adminLink(publicUrl, `/automations/recipes/${recipeId}`)}`);
  return lines.join('\n');
}

export function recordingStartedText(view: RecordingView, publicUrl: string): string {
  return [
    `Recording ${view.name} started on ${view.url} (id ${view.id.slice(0, 8)}).`,
    `Act in the browser from the Automations screen: ${adminLink(publicUrl, `/automations?recording=${view.id}`)}`,
    `Send /record stop ${view.id.slice(0, 8)} when you are done.`,
  ].join('\n');
}

export function draftSavedText(recipe: RecipeRecord, notes: readonly string[], publicUrl: string): string {
  const handles = recipe.recipe.secrets.map((secret) => secret.handle);
  return [
    `Saved the draft recipe ${recipe.name}: ${plural(recipe.recipe.steps.length, 'step', 'steps')}` +
      (handles.length > 0 ? `, secrets ${handles.join(', ')}` : '') +
      '.',
    ...recipe.problems.map((problem) => `Problem: ${problem}`),
    ...notes.map((note) => `Note: ${note}`),
    `Review it, set its secrets and approve it: ${adminLink(publicUrl, `/automations/recipes/${recipe.id}`)}`,
  ].join('\n');
}

export function recipeLine(recipe: RecipeRecord, last: AutomationRunRecord | undefined): string {
  const run = last
    ? `, last replay ${last.status}${last.error ? ` (${last.error.code})` : ''} ${new Date(last.finishedAt).toISOString().slice(0, 16).replace('T', ' ')}`
    : '';
  return `• ${recipe.name} — ${recipe.status === 'ready' ? 'ready' : 'draft (approve it in the admin)'}${run}`;
}
