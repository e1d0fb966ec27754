import path from 'node:path';
import { readShellSettings } from '../../shell/settings.ts';
import type { WhitelistEntry } from '../../shell/whitelist-grammar.ts';
import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';

const CHECK = 'shell';

/**
 * Programs that run whatever their arguments say (a shell, an interpreter, a launcher): an entry for
 * one of them with any argument pattern allows any command, however narrow the pattern looks.
 */
const LAUNCHERS: ReadonlySet<string> = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'fish',
  'busybox',
  'env',
  'sudo',
  'su',
  'doas',
  'xargs',
  'nohup',
  'timeout',
  'nice',
  'ionice',
  'setsid',
  'chroot',
  'find',
  'awk',
  'gawk',
  'perl',
  'python',
  'python3',
  'ruby',
  'node',
  'php',
  'lua',
  'tclsh',
  'ssh',
  'docker',
  'systemd-run',
  'watch',
  'script',
]);

/** Why an entry allows (nearly) any argument, or undefined when it does not. */
export function whyEntryAllowsAnything(entry: WhitelistEntry): string | undefined {
  if (entry.patterns.length > 0 && LAUNCHERS.has(path.basename(entry.program))) {
    return `${path.basename(entry.program)} runs whatever its arguments say`;
  }
  if (entry.patterns.some((pattern) => pattern.kind === 'path' && pattern.under === '/')) {
    return 'a <path under /> argument is any file on this machine';
  }
  return undefined;
}

/** The shell runs commands on this machine; its whitelist says which. */
export const shellCheck: DoctorCheck = {
  id: CHECK,
  title: 'the shell: whether it is on, and whitelist entries that allow any argument',
  async run({ settings }) {
    const shell = readShellSettings(settings);
    const findings: Finding[] = [];
    for (const entry of shell.whitelist.entries) {
      const why = whyEntryAllowsAnything(entry);
      if (why === undefined) continue;
      findings.push({
        check: CHECK,
        severity: shell.enabled ? 'critical' : 'warning',
        title: `The shell whitelist entry "${entry.text}" allows any command`,
        detail: `${why}${shell.enabled ? '' : ' (the shell is off, so nothing runs until it is turned on)'}.`,
        fix: 'Replace it with entries that spell out each argument (<enum a|b>, <int A-B>, <path under /some/folder>) on the Shell screen',
      });
    }
    if (shell.enabled) {
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: `The shell is on (${shell.whitelist.entries.length} whitelist entries)`,
        detail: 'Commands from the whitelist run on this machine, each with a fresh 2FA code.',
        fix: 'Turn it off (shell.enabled) unless you use it',
      });
    }
    if (findings.length === 0) {
      findings.push({
        check: CHECK,
        severity: 'info',
        title: 'The shell is off',
        detail: 'No command can run on this machine.',
      });
    }
    return findings;
  },
};
