/**
 * The operator's screens' calls: plots, audit log, logs, sessions, backups. Types come from the
 * core's route schemas.
 */
import type { ActivityView } from '@talon/core/server/routes/activity-schemas.ts';
import type { AuditFilterQuery, AuditPage } from '@talon/core/server/routes/audit-schemas.ts';
import type { BackupList, BackupRecordView } from '@talon/core/server/routes/backups-schemas.ts';
import type { LogLines, LogNodes, LogQuery } from '@talon/core/server/routes/logs-schemas.ts';
import type { SessionList, SessionsEnded } from '@talon/core/server/routes/sessions-schemas.ts';
import { request } from './client.ts';

export type {
  ActivityView,
  AuditFilterQuery,
  AuditPage,
  BackupList,
  BackupRecordView,
  LogLines,
  LogNodes,
  SessionList,
};
export type {
  ComponentHealthView,
  FindingView,
  OperationsPanel,
} from '@talon/core/server/routes/dashboard-schemas.ts';
export type { LogLevelName, LogLineView } from '@talon/core/server/routes/logs-schemas.ts';
export type { OpenSessionView } from '@talon/core/server/routes/sessions-schemas.ts';

/** A query string of the filled-in fields only. */
export function queryString(fields: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export const operationsApi = {
  activity: (hours: 24 | 168) => request<ActivityView>('GET', `/api/activity?hours=${hours}`),

  audit: (filter: AuditFilterQuery, before?: number) =>
    request<AuditPage>('GET', `/api/audit${queryString({ ...filter, before, limit: 50 })}`),
  /** A link the browser downloads (same origin, the session cookie goes along). */
  auditExportUrl: (filter: AuditFilterQuery, format: 'csv' | 'json') =>
    `/api/audit/export${queryString({ ...filter, format })}`,

  logNodes: () => request<LogNodes>('GET', '/api/logs/nodes'),
  logs: (query: Partial<LogQuery>) => request<LogLines>('GET', `/api/logs${queryString({ ...query })}`),
  /** Server-sent events: `snapshot` then each new `line`. */
  logEventsUrl: (query: Partial<LogQuery>) => `/api/logs/events${queryString({ ...query })}`,

  sessions: () => request<SessionList>('GET', '/api/sessions'),
  endSession: (id: string, totpCode?: string) =>
    request<SessionsEnded>(
      'POST',
      `/api/sessions/${encodeURIComponent(id)}/end`,
      totpCode ? { totpCode } : {},
    ),
  endOtherSessions: (totpCode?: string) =>
    request<SessionsEnded>('POST', '/api/sessions/end-others', totpCode ? { totpCode } : {}),

  backups: () => request<BackupList>('GET', '/api/backups'),
  backupNow: () => request<{ backup: BackupRecordView }>('POST', '/api/backups'),
};
