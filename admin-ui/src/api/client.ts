/**
 * The one typed client every screen uses to talk to the core. Cookies are HttpOnly, so the session
 * travels by itself (`credentials: 'same-origin'`); state-changing requests carry the CSRF token the
 * server handed out with the session. Every failure becomes an `ApiError` with the server's message.
 */
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { LoginResult, SessionInfo } from '@talon/core/server/routes/auth-schemas.ts';
import type { AuditEntryView, Dashboard } from '@talon/core/server/routes/dashboard-schemas.ts';
import type { Setting, SettingUpdated, SettingsList } from '@talon/core/server/routes/settings-schemas.ts';
import type { TotpEnrolled, TotpEnrolment, TotpStatus } from '@talon/core/server/routes/totp-schemas.ts';
import type {
  TelegramConnectionChange,
  TelegramPreferencesChange,
  TelegramStatusView,
} from '@talon/core/gateway/wire-types.ts';
import type { SkillRunResult, SkillStatus } from '@talon/skill-runtime/contract/wire-types.ts';
import type {
  DefinitionProblem,
  MissedTick,
  RunDetail,
  RunRequest,
  Workflow,
  WorkflowDefinition,
  WorkflowRun,
  WorkflowSummary,
} from './workflow-types.ts';
import type {
  ApprovedPackage,
  ApprovedSkillAction,
  LifecycleResult,
  LoadSkillRequest,
  PendingSkill,
  SkillApprovals,
  UploadSkillRequest,
} from './skill-lifecycle.ts';
import type {
  LlmProviderInput,
  LlmProviderTestResult,
  LlmProviderUpdate,
  LlmProviderView,
  LlmReach,
  LlmReachTarget,
  LlmUsageReport,
} from './llm-types.ts';

export type * from './skill-lifecycle.ts';
export type * from './llm-types.ts';
export type { JsonValue };
export type { TelegramConnectionChange, TelegramPreferencesChange, TelegramStatusView };
export type { ApiCallRecord, SkillRunResult, SkillStatus } from '@talon/skill-runtime/contract/wire-types.ts';

export type { Dashboard, LoginResult, SessionInfo, Setting, TotpEnrolment, TotpStatus };
export type { AuditOutcome } from '@talon/core/server/routes/dashboard-schemas.ts';
/** An audit entry as the admin API sends it (`at` in ISO 8601). */
export type AuditEntry = AuditEntryView;

/** An answer from the API that is not a success, with the server's code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Set on 429: how long to wait before trying again. */
  readonly retryAfterSeconds: number | undefined;
  /** Set when the server listed what is wrong, each with its JSON path (a workflow definition, say). */
  readonly problems: DefinitionProblem[];

  constructor(
    status: number,
    code: string,
    message: string,
    retryAfterSeconds?: number,
    problems: DefinitionProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.problems = problems;
  }
}

/** The text to show a person for any error a screen catches. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

let csrfToken = '';
let onSessionLost: (() => void) | undefined;

/** Remembers the token the server issued with the session; sent on every state-changing request. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when an API request answers 401 because the session ended (expired, idle, logged out elsewhere). */
export function setSessionLostHandler(handler: () => void): void {
  onSessionLost = handler;
}

interface ErrorBody {
  error?: unknown;
  message?: unknown;
  retryAfterSeconds?: unknown;
  problems?: unknown;
}

function isProblem(value: unknown): value is DefinitionProblem {
  const candidate = value as Partial<DefinitionProblem> | null;
  return typeof candidate?.path === 'string' && typeof candidate.message === 'string';
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: ErrorBody = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // Not JSON (a proxy error page, say): fall back to the status line below.
  }
  const code = typeof body.error === 'string' ? body.error : `http_${response.status}`;
  const message =
    typeof body.message === 'string' && body.message !== ''
      ? body.message
      : `The server answered ${response.status} ${response.statusText}`.trim();
  const header = Number(response.headers.get('retry-after'));
  const retryAfter =
    typeof body.retryAfterSeconds === 'number'
      ? body.retryAfterSeconds
      : Number.isFinite(header) && header > 0
        ? header
        : undefined;
  const problems = Array.isArray(body.problems) ? body.problems.filter(isProblem) : [];
  return new ApiError(response.status, code, message, retryAfter, problems);
}

/** One call of the API (the `api` object below and the screens' own modules use it). */
export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Talon could not be reached. Is the server running?');
  }
  if (!response.ok) {
    const error = await toApiError(response);
    // A failed login is a 401 too, but it is an answer to show, not a lost session.
    if (response.status === 401 && path !== '/api/auth/login') onSessionLost?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  session: () => request<SessionInfo>('GET', '/api/auth/session'),
  login: (password: string) => request<LoginResult>('POST', '/api/auth/login', { password }),
  logout: () => request<void>('POST', '/api/auth/logout'),

  dashboard: () => request<Dashboard>('GET', '/api/dashboard'),

  settings: () => request<SettingsList>('GET', '/api/settings'),
  /**
   * An empty `value` for a sensitive setting keeps the stored secret; `clear` empties it. A setting
   * with `requiresCode` also needs `totpCode` (ignored for the others).
   */
  updateSetting: (key: string, change: ({ value: string } | { clear: true }) & { totpCode?: string }) =>
    request<SettingUpdated>('PUT', `/api/settings/${encodeURIComponent(key)}`, change),

  telegram: () => request<TelegramStatusView>('GET', '/api/telegram'),
  /** Token, chat id, mode, API root: whom Talon obeys, so a 2FA code is needed. */
  telegramConnection: (change: TelegramConnectionChange) =>
    request<TelegramStatusView>('PUT', '/api/telegram/connection', change),
  telegramPreferences: (change: TelegramPreferencesChange) =>
    request<TelegramStatusView>('PUT', '/api/telegram/preferences', change),
  telegramTestMessage: () => request<{ sent: boolean }>('POST', '/api/telegram/test-message'),

  totpStatus: () => request<TotpStatus>('GET', '/api/auth/totp'),
  totpEnrol: () => request<TotpEnrolment>('POST', '/api/auth/totp/enrol'),
  totpConfirm: (code: string) => request<TotpEnrolled>('POST', '/api/auth/totp/confirm', { code }),
  totpDisable: (totpCode: string) => request<TotpEnrolled>('POST', '/api/auth/totp/disable', { totpCode }),

  skills: () => request<{ skills: SkillStatus[] }>('GET', '/api/skills'),
  /** A config that does not fit the skill's configSchema answers `ok: false` with `config_invalid`. */
  runSkill: (name: string, input: JsonValue, config?: { [key: string]: JsonValue }) =>
    request<SkillRunResult>(
      'POST',
      `/api/skills/${encodeURIComponent(name)}/run`,
      config === undefined ? { input } : { input, config },
    ),
  workflows: (search?: string) =>
    request<{ workflows: WorkflowSummary[] }>(
      'GET',
      search ? `/api/workflows?search=${encodeURIComponent(search)}` : '/api/workflows',
    ),
  workflow: (id: string) => request<Workflow>('GET', `/api/workflows/${encodeURIComponent(id)}`),
  /** A 400 answer carries `problems`, each with its JSON path. */
  /** A step that chooses a new secret binding needs `totpCode` (once 2FA is enrolled, and refused before). */
  createWorkflow: (definition: WorkflowDefinition, totpCode?: string) =>
    request<Workflow>('POST', '/api/workflows', totpCode ? { ...definition, totpCode } : definition),
  /** A workflow that requires 2FA needs `totpCode` to be changed (once 2FA is enrolled). */
  updateWorkflow: (id: string, definition: WorkflowDefinition, totpCode?: string) =>
    request<Workflow>(
      'PUT',
      `/api/workflows/${encodeURIComponent(id)}`,
      totpCode ? { ...definition, totpCode } : definition,
    ),
  /** A workflow that requires 2FA needs `totpCode` to be deleted (once 2FA is enrolled). */
  deleteWorkflow: (id: string, totpCode?: string) =>
    request<void>('DELETE', `/api/workflows/${encodeURIComponent(id)}`, totpCode ? { totpCode } : undefined),
  /** A workflow that requires 2FA needs `totpCode`; without one the run waits in `waiting_2fa`. */
  runWorkflow: (id: string, run: RunRequest) =>
    request<WorkflowRun>('POST', `/api/workflows/${encodeURIComponent(id)}/runs`, {
      ...run,
      trigger: 'manual',
    }),
  workflowRuns: (id: string, limit = 50) =>
    request<{ runs: WorkflowRun[] }>('GET', `/api/workflows/${encodeURIComponent(id)}/runs?limit=${limit}`),
  workflowRun: (runId: string) =>
    request<RunDetail>('GET', `/api/workflows/runs/${encodeURIComponent(runId)}`),
  /** Server-sent events of one run's progress (see run-progress.ts); same origin, so the session cookie goes along. */
  workflowRunEventsUrl: (runId: string) => `/api/workflows/runs/${encodeURIComponent(runId)}/events`,
  approveWorkflowRun: (runId: string, totpCode: string) =>
    request<WorkflowRun>('POST', `/api/workflows/runs/${encodeURIComponent(runId)}/approve`, { totpCode }),
  cancelWorkflowRun: (runId: string) =>
    request<WorkflowRun>('POST', `/api/workflows/runs/${encodeURIComponent(runId)}/cancel`),
  approveWorkflowSchedule: (id: string, totpCode: string) =>
    request<Workflow>('POST', `/api/workflows/${encodeURIComponent(id)}/schedule/approve`, { totpCode }),
  /** Schedule occurrences nobody fired in time, and what was done about each (newest first). */
  workflowMissedTicks: (id: string) =>
    request<{ missedTicks: MissedTick[] }>('GET', `/api/workflows/${encodeURIComponent(id)}/missed-ticks`),
  exportWorkflow: (id: string) =>
    request<JsonValue>('GET', `/api/workflows/${encodeURIComponent(id)}/export`),
  importWorkflow: (document: JsonValue, name?: string) =>
    request<Workflow>('POST', '/api/workflows/import', name ? { document, name } : { document }),

  llmProviders: () => request<{ providers: LlmProviderView[] }>('GET', '/api/llm/providers'),
  /** Needs `totpCode`: a new provider is a new place prompts go. */
  createLlmProvider: (provider: LlmProviderInput & { totpCode?: string }) =>
    request<{ provider: LlmProviderView }>('POST', '/api/llm/providers', provider),
  /** A new base URL or key, or turning it local, needs `totpCode`; an empty `apiKey` keeps the stored key. */
  updateLlmProvider: (id: string, change: LlmProviderUpdate & { totpCode?: string }) =>
    request<{ provider: LlmProviderView }>('PUT', `/api/llm/providers/${encodeURIComponent(id)}`, change),
  deleteLlmProvider: (id: string) => request<void>('DELETE', `/api/llm/providers/${encodeURIComponent(id)}`),
  testLlmProvider: (id: string) =>
    request<LlmProviderTestResult>('POST', `/api/llm/providers/${encodeURIComponent(id)}/test`),
  llmUsage: (days: number) => request<LlmUsageReport>('GET', `/api/llm/usage?days=${days}`),
  /** Which providers a workflow's LLM calls may reach, with its local-only rule. */
  llmReach: (localOnly: boolean, targets: LlmReachTarget[]) =>
    request<LlmReach>('POST', '/api/llm/reach', { localOnly, targets }),

  pendingSkills: () => request<{ pending: PendingSkill[] }>('GET', '/api/skills/pending'),
  skillApprovals: () => request<SkillApprovals>('GET', '/api/skills/approvals'),
  approvedPackage: (name: string) =>
    request<ApprovedPackage>('GET', `/api/skills/${encodeURIComponent(name)}/package`),
  /** Approves the reviewed folder (`checksum` as shown) with the grants ticked, confirmed by a TOTP code. */
  loadSkill: (name: string, body: LoadSkillRequest) =>
    request<LifecycleResult>('POST', `/api/skills/${encodeURIComponent(name)}/load`, body),
  skillAction: (name: string, action: ApprovedSkillAction, totpCode: string) =>
    request<LifecycleResult>('POST', `/api/skills/${encodeURIComponent(name)}/${action}`, { totpCode }),
  uploadSkill: (body: UploadSkillRequest) => request<LifecycleResult>('POST', '/api/skills/upload', body),
};
