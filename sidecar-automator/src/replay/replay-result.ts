import type { RecipeStepType } from '@talon/skill-runtime/recipes/index.ts';
import type { SavedFile } from '../storage/save-download.ts';
import type { StorageState } from './replay-request.ts';

export interface ReplayError {
  /** Stable: element_not_found, step_timeout, blocked_request, download_too_large, download_quota_exceeded, download_failed, page_not_found, start_page_failed, browser_crashed, replay_timeout, cancelled, step_failed. */
  code: string;
  message: string;
  /** The index of the failing step; absent when the start page failed. */
  step?: number;
}

export interface StepResult {
  index: number;
  type: RecipeStepType;
  status: 'succeeded' | 'failed' | 'not_run';
  durationMs?: number;
  /** The locator that found the element (frames first). */
  locator?: string;
  error?: { code: string; message: string };
}

export interface ScrapedData {
  step: number;
  name: string;
  headers: string[];
  rows: string[][];
  truncated: boolean;
}

/** What POST /replays answers. */
export interface ReplayResult {
  /** The run id: its files are under /files/<id>/…, and DELETE /files/<id> removes them. */
  id: string;
  recipe: string;
  status: 'succeeded' | 'failed';
  error?: ReplayError;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  steps: StepResult[];
  downloads: (SavedFile & { step: number })[];
  /** Screenshot steps, and one of the page when a step failed. */
  screenshots: (SavedFile & { step?: number; reason: 'step' | 'failure' })[];
  data: ScrapedData[];
  /** Every request the allowlist refused, with why. */
  blockedRequests: { url: string; reason: string }[];
  storageState?: StorageState;
}
