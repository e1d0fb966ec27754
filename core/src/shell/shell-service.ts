/**
 * The shell as the owner uses it from Telegram (`/shell <command>`) and from the admin's Shell
 * screen: check the command first (refused at once, no code spent), then a fresh 2FA code bound to
 * exactly that command, then the `shell` core skill runs it under a one-time approval.
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue, SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { StepUpVerifier } from '../auth/step-up.ts';
import { errorMessage, TalonError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { OneTimeApprovals } from './approvals.ts';
import type { ShellCheck, ShellHost } from './shell-host.ts';
import { SHELL_SKILL } from './workflow-shell-steps.ts';

/** The step-up action a code for one command is checked for (its target is the command). */
export const SHELL_EXEC_ACTION = 'shell.exec';

export interface ShellRequester {
  actor: string;
  source?: string | undefined;
  session?: string | undefined;
}

/** What a run came to, with the text the owner reads (AlexClaw's layout: `$ cmd`, exit, time, output). */
export interface ShellRunReport {
  ok: boolean;
  /** on_success, on_error or on_timeout when the skill ran. */
  branch: string | null;
  text: string;
  result: JsonValue | null;
  error: { code: string; message: string } | null;
}

/** What the Telegram gateway's `/shell` needs (gateway/commands/shell-commands.ts). */
export interface ShellCommandPort {
  check(commandLine: string): ShellCheck;
  /** Verifies the code for exactly this command; answers the command as it will run. */
  approve(commandLine: string, code: string, requester: ShellRequester): Promise<string>;
  /**
   * Runs an approved command through the `shell` skill without holding up the chat, and sends
   * the report to `chatId` when it is done.
   */
  runInBackground(command: string, chatId: string): void;
}

/** Sends a plain message to a chat (the gateway's outbound, attached once the gateway exists). */
export type ChatSender = (chatId: string, text: string) => Promise<void>;

export class ShellService implements ShellCommandPort {
  readonly #host: ShellHost;
  readonly #approvals: OneTimeApprovals;
  readonly #stepUp: StepUpVerifier;
  readonly #runtime: SkillRuntime;
  readonly #logger: Logger;
  /** Commands approved here and not run yet, by the command: `run` takes the approval it made. */
  readonly #approved = new Map<string, string[]>();
  #send: ChatSender | undefined;

  constructor(options: {
    host: ShellHost;
    approvals: OneTimeApprovals;
    stepUp: StepUpVerifier;
    runtime: SkillRuntime;
    logger: Logger;
  }) {
    this.#host = options.host;
    this.#approvals = options.approvals;
    this.#stepUp = options.stepUp;
    this.#runtime = options.runtime;
    this.#logger = options.logger;
  }

  check(commandLine: string): ShellCheck {
    return this.#host.check(commandLine);
  }

  async approve(commandLine: string, code: string | undefined, requester: ShellRequester): Promise<string> {
    const checked = this.#host.check(commandLine);
    if (!checked.ok) throw new TalonError(checked.code, checked.message, checked.status);
    await this.#stepUp.verify({
      action: SHELL_EXEC_ACTION,
      code,
      actor: requester.actor,
      source: requester.source,
      session: requester.session,
      target: checked.command,
    });
    const runId = randomUUID();
    this.#approvals.approve(runId, checked.command);
    this.#approved.set(checked.command, [...(this.#approved.get(checked.command) ?? []), runId]);
    return checked.command;
  }

  async run(command: string): Promise<ShellRunReport> {
    const runId = this.#approved.get(command)?.shift();
    if (this.#approved.get(command)?.length === 0) this.#approved.delete(command);
    if (runId === undefined) {
      throw new TalonError('shell_code_required', `“${command}” was not approved with a code`, 403);
    }
    try {
      const result = await this.#runtime.run(SHELL_SKILL, { input: command, runId });
      if (!result.ok) {
        return {
          ok: false,
          branch: null,
          text: `Shell error: ${result.error.code}: ${result.error.message}`,
          result: null,
          error: result.error,
        };
      }
      const text = typeof result.result === 'string' ? result.result : JSON.stringify(result.result, null, 2);
      return { ok: true, branch: result.branch, text, result: result.result, error: null };
    } catch (error) {
      this.#logger.error({ command, reason: errorMessage(error) }, 'a shell run failed');
      throw error;
    }
  }

  /** Where `runInBackground` sends its reports (boot.ts attaches the gateway's outbound). */
  attachChat(send: ChatSender): void {
    this.#send = send;
  }

  runInBackground(command: string, chatId: string): void {
    void this.run(command)
      .then(
        (report) => report.text,
        (error: unknown) =>
          `Shell error: ${error instanceof TalonError ? error.message : 'the command could not be run'}`,
      )
      .then((text) => this.#send?.(chatId, text))
      .catch((error: unknown) =>
        this.#logger.warn(
          { command, reason: errorMessage(error) },
          'could not send a shell report to the chat',
        ),
      );
  }

  /** Approve and run in one go (the admin's Run: the request waits for the output). */
  async approveAndRun(
    commandLine: string,
    code: string | undefined,
    requester: ShellRequester,
  ): Promise<ShellRunReport> {
    return this.run(await this.approve(commandLine, code, requester));
  }
}
