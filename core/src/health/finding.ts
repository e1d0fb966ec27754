/**
 * What `talon doctor` and the dashboard report: findings, each with a severity and how to fix it.
 * No imports with runtime code: the admin imports these types through the dashboard's schemas.
 */
export type Severity = 'info' | 'warning' | 'critical';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export interface Finding {
  /** The check that found it (`admin_password`, `sandbox.wall`...). */
  check: string;
  severity: Severity;
  /** One line: what is the case. */
  title: string;
  /** Why it matters, or what was checked when all is well. */
  detail: string;
  /** What to do about it (absent for a finding that needs nothing done). */
  fix?: string | undefined;
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

/** The worst severity among the findings (`info` when there are none). */
export function worstSeverity(findings: readonly Pick<Finding, 'severity'>[]): Severity {
  return findings.reduce<Severity>(
    (worst, finding) => (RANK[finding.severity] > RANK[worst] ? finding.severity : worst),
    'info',
  );
}

/** `talon doctor`'s exit code: 0 when nothing is above info, 1 for a warning, 2 for a critical. */
export function doctorExitCode(findings: readonly Pick<Finding, 'severity'>[]): 0 | 1 | 2 {
  return RANK[worstSeverity(findings)] as 0 | 1 | 2;
}

/** Worst first, then in the order the checks ran. */
export function bySeverity<T extends Pick<Finding, 'severity'>>(findings: readonly T[]): T[] {
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => RANK[b.finding.severity] - RANK[a.finding.severity] || a.index - b.index)
    .map(({ finding }) => finding);
}
