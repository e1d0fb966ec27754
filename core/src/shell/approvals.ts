/**
 * What lets a shell command run: a fresh 2FA code for exactly that command. Two ways to give one:
 *
 * - **Once** (`/shell` in Telegram, Run on the admin's Shell screen): the code is checked by the
 *   step-up for `shell.exec` of that command, and leaves a one-time approval bound to the run id the
 *   `shell` skill is then started with and to the command; it is used up by that run, or expires.
 * - **A workflow run** of a workflow with shell steps: such a workflow always requires 2FA, so its
 *   run was approved with a code (given when it was triggered, or later for a run waiting in
 *   `waiting_2fa`). That approval covers the fixed commands of its shell steps, each once: a retry,
 *   a run restarted after a lost node or a loop back never runs it again (`WorkflowShellRuns`).
 */
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';
import type { WorkflowDefinition } from '../workflows/definition.ts';
import { APPROVAL_TTL_MS } from './limits.ts';
import { shellStepCommands } from './workflow-shell-steps.ts';

export class OneTimeApprovals {
  readonly #pending = new Map<string, { command: string; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  approve(runId: string, command: string): void {
    this.#sweep();
    this.#pending.set(runId, { command, expiresAt: this.#now() + APPROVAL_TTL_MS });
  }

  /** True, once, for the run id and exact command a code approved. */
  consume(runId: string, command: string): boolean {
    const approval = this.#pending.get(runId);
    if (!approval || approval.command !== command || approval.expiresAt <= this.#now()) return false;
    this.#pending.delete(runId);
    return true;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [runId, approval] of this.#pending) if (approval.expiresAt <= now) this.#pending.delete(runId);
  }
}

export type WorkflowRunVerdict = { ok: true } | { ok: false; code: string; message: string };

const runRow = z.object({
  status: z.string(),
  trigger: z.string(),
  definition: z.custom<WorkflowDefinition>((value) => typeof value === 'object' && value !== null),
});

const UUID_LENGTH = 36;

function looksLikeUuid(text: string): boolean {
  if (text.length !== UUID_LENGTH) return false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    const dash = index === 8 || index === 13 || index === 18 || index === 23;
    const hex = (char >= '0' && char <= '9') || (char >= 'a' && char <= 'f');
    if (dash ? char !== '-' : !hex) return false;
  }
  return true;
}

/** Shell commands of workflow runs: allowed only as their approval covers them, and once each. */
export class WorkflowShellRuns {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  /** Whether workflow run `runId` may run `command` now; records that it did when it may. */
  async authorize(runId: string, command: string): Promise<WorkflowRunVerdict> {
    const needsCode = {
      ok: false as const,
      code: 'shell_code_required',
      message: `“${command}” needs a fresh 2FA code: send /shell ${command} in Telegram or run it from the admin's Shell screen`,
    };
    if (!looksLikeUuid(runId)) return needsCode;
    const run = await this.#pool.maybeOne(sql.type(runRow)`
      SELECT r.status, r.trigger, v.definition
      FROM workflow_runs r
      JOIN workflow_versions v ON v.workflow_id = r.workflow_id AND v.version = r.workflow_version
      WHERE r.id = ${runId}`);
    if (!run) return needsCode;
    if (run.status !== 'running') {
      return { ok: false, code: 'shell_code_required', message: `the run is ${run.status}, not running` };
    }
    if (!run.definition.requires2fa || run.trigger === 'schedule') {
      return {
        ok: false,
        code: 'shell_code_required',
        message:
          run.trigger === 'schedule'
            ? `a scheduled run has no fresh 2FA code, so its shell step “${command}” does not run: start the workflow with a code instead`
            : `the workflow does not require 2FA, so its runs have no code that could approve “${command}”`,
      };
    }
    const allowed = shellStepCommands(run.definition).filter((fixed) => fixed === command).length;
    if (allowed === 0) {
      return {
        ok: false,
        code: 'shell_not_approved',
        message: `approving this run covers the fixed commands of its shell steps only, not “${command}”`,
      };
    }
    return this.#recordOnce(runId, command, allowed);
  }

  async #recordOnce(runId: string, command: string, allowed: number): Promise<WorkflowRunVerdict> {
    return this.#pool.transaction(async (tx) => {
      // One run's shell calls are decided one at a time, so a count cannot be raced.
      await tx.query(sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended(${`shell:${runId}`}, 0))`);
      const ran = await tx.oneFirst(sql.type(z.object({ count: z.number() }))`
        SELECT count(*)::int AS count FROM shell_run_commands WHERE run_id = ${runId} AND command = ${command}`);
      if (ran >= allowed) {
        return {
          ok: false,
          code: 'shell_already_ran',
          message: `“${command}” already ran in this run: a shell step is never run again without a new code (no retries, no restart after a lost node, no loops)`,
        };
      }
      await tx.query(sql.unsafe`
        INSERT INTO shell_run_commands (run_id, command) VALUES (${runId}, ${command})`);
      return { ok: true };
    });
  }
}
