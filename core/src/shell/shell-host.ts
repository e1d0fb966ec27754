/**
 * The host side of the SkillAPI's `shell.exec` (a `ShellPort`): the five layers, in this order,
 * every one checked here whoever asks (README):
 *   1. `shell.enabled` must be on;
 *   2. a fresh 2FA code must cover exactly this command (approvals.ts);
 *   3. the whitelist, argument by argument (whitelist.ts);
 *   4. no metacharacter, the documented quoting (command-line.ts);
 *   5. `execFile`-style spawn of an argument array in the jail, with a timeout that kills the whole
 *      group and a capped output (jail.ts, run-command.ts).
 * The cheap checks (1, 4, 3) come first so a refused command never asks for or spends a code.
 */
import type { ServiceCaller, ShellPort } from '@talon/skill-runtime/api/outside-services.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { TalonError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import type { OneTimeApprovals, WorkflowShellRuns } from './approvals.ts';
import { forbiddenCharacter, formatCommandLine, parseCommandLine } from './command-line.ts';
import type { ShellJail } from './jail.ts';
import { runCommand, type CommandOutcome } from './run-command.ts';
import { readShellSettings, type ShellSettings } from './settings.ts';
import { SHELL_SKILL } from './workflow-shell-steps.ts';

export type ShellCheck =
  | { ok: true; argv: string[]; command: string }
  | { ok: false; code: string; message: string; status: number };

/** What `shell.exec` answers the skill. */
export type ShellExecResult = CommandOutcome & {
  /** The command as it ran (quoting normalised). */
  command: string;
  timeoutSeconds: number;
  maxOutputChars: number;
};

export interface ShellHostOptions {
  settings: SettingsStore;
  jail: ShellJail;
  approvals: OneTimeApprovals;
  workflowRuns: WorkflowShellRuns;
  audit: AuditLog;
  logger: Logger;
}

function refusal(code: string, message: string, status: number): ShellCheck {
  return { ok: false, code, message, status };
}

export class ShellHost implements ShellPort {
  readonly #options: ShellHostOptions;

  constructor(options: ShellHostOptions) {
    this.#options = options;
  }

  get jail(): ShellJail {
    return this.#options.jail;
  }

  settings(): ShellSettings {
    return readShellSettings(this.#options.settings);
  }

  /**
   * Everything that does not need a code: the shell is on, the command parses without a
   * metacharacter, the whitelist allows it and commands can be isolated here. `args` are extra
   * arguments after the command line (the SkillAPI's second parameter), checked the same way.
   */
  check(commandLine: string, args: readonly string[] = []): ShellCheck {
    const settings = this.settings();
    if (!settings.enabled) {
      return refusal(
        'shell_disabled',
        'Shell commands are disabled: turn shell.enabled on in the admin (Settings, shell; it needs a 2FA code)',
        403,
      );
    }
    const parsed = parseCommandLine(commandLine.trim());
    if (!parsed.ok) return refusal(parsed.code, `Refused: ${parsed.message}`, 400);
    for (const arg of args) {
      const forbidden = forbiddenCharacter(arg);
      if (forbidden)
        return refusal(
          forbidden.code,
          `Refused: ${forbidden.message.replace('the command', 'an argument')}`,
          400,
        );
    }
    const argv = [...parsed.argv, ...args];
    const decision = settings.whitelist.decide(argv);
    if (!decision.allowed) return refusal('shell_not_whitelisted', `Refused: ${decision.message}`, 403);
    const jail = this.#options.jail.status;
    if (!jail.up) return refusal('shell_unavailable', `The shell cannot run here: ${jail.detail}`, 503);
    return { ok: true, argv, command: formatCommandLine(argv) };
  }

  async exec(command: string, args: string[], caller: ServiceCaller): Promise<ShellExecResult> {
    const actor = `skill:${caller.skill}`;
    const deny = async (code: string, message: string, status: number): Promise<never> => {
      await this.#options.audit.record({
        actor,
        action: 'shell.exec',
        target: command.slice(0, 500),
        outcome: 'denied',
        reason: code,
        source: caller.runId,
      });
      throw new TalonError(code, message, status);
    };
    if (caller.skill !== SHELL_SKILL) {
      return deny('permission_denied', `only the core skill ${SHELL_SKILL} runs shell commands`, 403);
    }
    const checked = this.check(command, args);
    if (!checked.ok) return deny(checked.code, checked.message, checked.status);
    if (!this.#options.approvals.consume(caller.runId, checked.command)) {
      const verdict = await this.#options.workflowRuns.authorize(caller.runId, checked.command);
      if (!verdict.ok) return deny(verdict.code, verdict.message, 403);
    }
    const settings = this.settings();
    const outcome = await runCommand(this.#options.jail.launch(checked.argv), {
      timeoutMs: settings.timeoutSeconds * 1000,
      maxOutputChars: settings.maxOutputChars,
    });
    await this.#options.audit.record({
      actor,
      action: 'shell.exec',
      target: checked.command,
      outcome: 'succeeded',
      source: caller.runId,
      details: { exitCode: outcome.exitCode, timedOut: outcome.timedOut, durationMs: outcome.durationMs },
    });
    this.#options.logger.info(
      {
        command: checked.command,
        exitCode: outcome.exitCode,
        timedOut: outcome.timedOut,
        runId: caller.runId,
      },
      'shell command ran',
    );
    return {
      ...outcome,
      command: checked.command,
      timeoutSeconds: settings.timeoutSeconds,
      maxOutputChars: settings.maxOutputChars,
    };
  }
}
