import { SEVERITIES, doctorExitCode, worstSeverity, type Finding } from './finding.ts';

/** `pnpm talon doctor --json`: what scripts read. */
export interface DoctorJson {
  worst: Finding['severity'];
  exitCode: 0 | 1 | 2;
  counts: Record<Finding['severity'], number>;
  findings: Finding[];
}

export function doctorJson(findings: readonly Finding[]): DoctorJson {
  const counts = { info: 0, warning: 0, critical: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return {
    worst: worstSeverity(findings),
    exitCode: doctorExitCode(findings),
    counts,
    findings: [...findings],
  };
}

const LABEL_WIDTH = Math.max(...SEVERITIES.map((severity) => severity.length)) + 2;

/** The findings as a person reads them in a terminal: worst first, each with how to fix it. */
export function formatDoctorReport(findings: readonly Finding[]): string {
  const { counts } = doctorJson(findings);
  const lines = [
    `talon doctor: ${counts.critical} critical, ${counts.warning} warning(s), ${counts.info} fine`,
    '',
  ];
  const indent = ' '.repeat(LABEL_WIDTH);
  for (const finding of findings) {
    lines.push(`${finding.severity.padEnd(LABEL_WIDTH)}${finding.title}  [${finding.check}]`);
    if (finding.severity !== 'info' || finding.detail !== '') lines.push(`${indent}${finding.detail}`);
    if (finding.fix) lines.push(`${indent}Fix: ${finding.fix}`);
  }
  return lines.join('\n');
}
