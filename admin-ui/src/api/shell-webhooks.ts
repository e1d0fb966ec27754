/**
 * The Shell screen's API and a workflow's webhook trigger, typed from the core's route schemas
 * (imported as types only).
 */
import type { ShellRunAnswer, ShellStatus } from '@talon/core/server/routes/shell-schemas.ts';
import type { WebhookTriggerAnswer, WebhookTriggerView } from '@talon/core/server/routes/webhook-schemas.ts';
import { request } from './client.ts';

export type { ShellRunAnswer, ShellStatus, WebhookTriggerAnswer, WebhookTriggerView };

export const shellApi = {
  status: () => request<ShellStatus>('GET', '/api/shell'),
  /** Each entry is checked; a 400 lists the ones that cannot be read (`problems`, path `/entries/<i>`). */
  saveWhitelist: (entries: string[], totpCode?: string) =>
    request<ShellStatus>('PUT', '/api/shell/whitelist', totpCode ? { entries, totpCode } : { entries }),
  /** Always needs a fresh code, for exactly this command. */
  run: (command: string, totpCode: string) =>
    request<ShellRunAnswer>('POST', '/api/shell/run', { command, totpCode }),
};

const path = (workflowId: string): string => `/api/workflows/${encodeURIComponent(workflowId)}/webhook`;

export const webhookApi = {
  get: (workflowId: string) => request<WebhookTriggerAnswer>('GET', path(workflowId)),
  /** Switching it on needs `totpCode` once 2FA is enrolled; a new trigger's `secret` is in this answer only. */
  configure: (workflowId: string, change: { enabled: boolean; wait: boolean; totpCode?: string }) =>
    request<WebhookTriggerAnswer>('PUT', path(workflowId), change),
  regenerate: (workflowId: string, totpCode?: string) =>
    request<{ secret: string }>('POST', `${path(workflowId)}/secret`, totpCode ? { totpCode } : {}),
  remove: (workflowId: string) => request<void>('DELETE', path(workflowId)),
};
