/** The Automations screen's API (the browser sidecar), typed from the core's route schemas (types only). */
import type {
  AutomationsOverview,
  LiveTicket,
  RecipeDetail,
  RecordingViewBody,
  ReplayReportBody,
  StoppedRecordingBody,
} from '@talon/core/server/routes/automation-schemas.ts';
import type { Recipe, RecipeLocator, RecipeStep } from '@talon/skill-runtime/recipes/index.ts';
import { request } from './client.ts';

export type {
  AutomationsOverview,
  LiveTicket,
  Recipe,
  RecipeDetail,
  RecipeLocator,
  RecipeStep,
  RecordingViewBody,
  ReplayReportBody,
  StoppedRecordingBody,
};

const recipePath = (id: string): string => `/api/automations/recipes/${encodeURIComponent(id)}`;
const recordingPath = (id: string): string => `/api/automations/recordings/${encodeURIComponent(id)}`;

export const automationsApi = {
  overview: () => request<AutomationsOverview>('GET', '/api/automations'),
  startRecording: (url: string, name?: string) =>
    request<RecordingViewBody>('POST', '/api/automations/recordings', name ? { url, name } : { url }),
  /** Saves the recording as a draft recipe to review (stopping it again answers the same draft). */
  stopRecording: (id: string) => request<StoppedRecordingBody>('POST', `${recordingPath(id)}/stop`),
  discardRecording: (id: string) => request<void>('DELETE', recordingPath(id)),
  /** A one-time ticket for the live view's WebSocket: good for 60 s, for this session and recording. */
  liveTicket: (id: string) => request<LiveTicket>('POST', `${recordingPath(id)}/live-ticket`),
  recipe: (id: string) => request<RecipeDetail>('GET', recipePath(id)),
  importRecipe: (recipe: unknown) => request<RecipeDetail>('POST', '/api/automations/recipes', { recipe }),
  /** Changing its start URL, allowlist or secret handles needs `totpCode` once 2FA is enrolled. */
  saveRecipe: (
    id: string,
    change: { version: number; recipe: unknown; keepSession: boolean; totpCode?: string },
  ) => request<RecipeDetail>('PUT', recipePath(id), change),
  approveRecipe: (id: string, version: number, totpCode?: string) =>
    request<RecipeDetail>(
      'POST',
      `${recipePath(id)}/approve`,
      totpCode ? { version, totpCode } : { version },
    ),
  deleteRecipe: (id: string) => request<void>('DELETE', recipePath(id)),
  replay: (id: string, parameters: Record<string, string> = {}) =>
    request<ReplayReportBody>('POST', `${recipePath(id)}/replay`, { parameters }),
};
