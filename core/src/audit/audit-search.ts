import { sql, type DatabasePool } from 'slonik';
import { auditRow, type AuditEntry, type AuditOutcome } from './audit-log.ts';

/** What the Audit log screen filters by; every field is optional. */
export interface AuditFilter {
  /** `admin`, `system`, `skill:rss_fetch`, `telegram:123`… or the start of one (`skill:`). */
  actor?: string | undefined;
  /** `auth.login`, or the start of one (`skill.`). */
  action?: string | undefined;
  outcome?: AuditOutcome | undefined;
  /** Entries about a skill: by it (`skill:<name>`), or a lifecycle action on it. */
  skill?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** One page of the list at most, and one export at most (entries). */
export const AUDIT_PAGE_MAX = 200;
export const AUDIT_EXPORT_MAX = 10_000;

/** `LIKE` pattern for "starts with", the user's % and _ taken literally. */
function startsWith(text: string): string {
  return `${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * The audit log, newest first, filtered, one page at a time (`before`: the last id of the previous
 * page). Used by the screen and by the CSV/JSON export.
 */
export async function searchAudit(
  pool: DatabasePool,
  filter: AuditFilter,
  page: { limit: number; before?: number | undefined },
): Promise<AuditEntry[]> {
  const conditions = [sql.fragment`true`];
  if (filter.actor) conditions.push(sql.fragment`actor LIKE ${startsWith(filter.actor)}`);
  if (filter.action) conditions.push(sql.fragment`action LIKE ${startsWith(filter.action)}`);
  if (filter.outcome) conditions.push(sql.fragment`outcome = ${filter.outcome}`);
  if (filter.skill) {
    conditions.push(sql.fragment`(actor = ${`skill:${filter.skill}`}
      OR (action LIKE 'skill.%' AND target = ${filter.skill}) OR details ->> 'skill' = ${filter.skill})`);
  }
  if (filter.from) conditions.push(sql.fragment`at >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.to) conditions.push(sql.fragment`at < ${filter.to.toISOString()}::timestamptz`);
  if (page.before !== undefined) conditions.push(sql.fragment`id < ${page.before}`);
  const rows = await pool.any(sql.type(auditRow)`
    SELECT id::float8 AS id, at, actor, action, target, outcome, reason, source, details FROM audit_log
    WHERE ${sql.join(conditions, sql.fragment` AND `)}
    ORDER BY id DESC LIMIT ${page.limit}`);
  return [...rows];
}

const CSV_COLUMNS = [
  'id',
  'at',
  'actor',
  'action',
  'target',
  'outcome',
  'reason',
  'source',
  'details',
] as const;

/**
 * One CSV cell (RFC 4180 quoting). A cell a spreadsheet would run as a formula (starting with
 * = + - @, a tab or a carriage return) is prefixed with a quote: audit text comes from outside.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const entry of entries) {
    const cells = [
      String(entry.id),
      new Date(entry.at).toISOString(),
      entry.actor,
      entry.action,
      entry.target ?? '',
      entry.outcome,
      entry.reason ?? '',
      entry.source ?? '',
      JSON.stringify(entry.details),
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
