import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { LlmBudgetError } from './errors.ts';

export interface BudgetLimits {
  tokensPerRun: number;
  tokensPerSkillPerDay: number;
}

/** Tokens set aside for one call before it is sent; settled with what the provider reports. */
export interface Reservation {
  skill: string;
  runId: string | undefined;
  day: string;
  tokens: number;
}

/** The UTC day (YYYY-MM-DD) of a time in milliseconds. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Run budgets are kept this long after a run's last call (long enough for any run to finish). */
const RUN_BUDGET_RETENTION_DAYS = 7;

/**
 * Token budgets per run and per skill per UTC day, counted in PostgreSQL so every node shares them.
 * A call reserves what it may use (its input estimate plus maxTokens) in one transaction that refuses
 * to go past either limit — so two nodes cannot both spend the last tokens — and settles with the
 * provider's real count afterwards.
 */
export class TokenBudget {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  async reserve(
    request: { skill: string; runId: string | undefined; day: string; tokens: number },
    limits: BudgetLimits,
  ): Promise<Reservation> {
    const { skill, runId, day, tokens } = request;
    await this.#pool.transaction(async (tx) => {
      if (runId !== undefined) {
        const granted = await tx.maybeOneFirst(sql.type(z.object({ tokens: z.number() }))`
          INSERT INTO llm_run_tokens (run_id, tokens) VALUES (${runId}, ${tokens})
          ON CONFLICT (run_id) DO UPDATE SET tokens = llm_run_tokens.tokens + EXCLUDED.tokens, updated_at = now()
            WHERE llm_run_tokens.tokens + EXCLUDED.tokens <= ${limits.tokensPerRun}
          RETURNING tokens`);
        if (granted === null || tokens > limits.tokensPerRun) {
          const used = await tx.oneFirst(sql.type(z.object({ tokens: z.number() }))`
            SELECT COALESCE((SELECT tokens FROM llm_run_tokens WHERE run_id = ${runId}), 0)::int AS tokens`);
          throw new LlmBudgetError(
            'llm_run_budget_exhausted',
            `This run has used ${used} of its ${limits.tokensPerRun} LLM tokens; the call needs up to ${tokens} more (setting llm.budget.tokens_per_run)`,
            used,
            limits.tokensPerRun,
          );
        }
      }
      const granted = await tx.maybeOneFirst(sql.type(z.object({ tokens: z.number() }))`
        INSERT INTO llm_skill_day_tokens (skill, day, tokens) VALUES (${skill}, ${day}, ${tokens})
        ON CONFLICT (skill, day) DO UPDATE SET tokens = llm_skill_day_tokens.tokens + EXCLUDED.tokens
          WHERE llm_skill_day_tokens.tokens + EXCLUDED.tokens <= ${limits.tokensPerSkillPerDay}
        RETURNING tokens`);
      if (granted === null || tokens > limits.tokensPerSkillPerDay) {
        const used = await tx.oneFirst(sql.type(z.object({ tokens: z.number() }))`
          SELECT COALESCE((SELECT tokens FROM llm_skill_day_tokens WHERE skill = ${skill} AND day = ${day}), 0)::int AS tokens`);
        throw new LlmBudgetError(
          'llm_skill_budget_exhausted',
          `Skill ${skill} has used ${used} of its ${limits.tokensPerSkillPerDay} LLM tokens for ${day} (UTC); the call needs up to ${tokens} more (setting llm.budget.tokens_per_skill_per_day)`,
          used,
          limits.tokensPerSkillPerDay,
        );
      }
    });
    return { skill, runId, day, tokens };
  }

  /** Replaces the reservation with what was really used (0 when the call failed before any answer). */
  async settle(reservation: Reservation, used: number): Promise<void> {
    const delta = used - reservation.tokens;
    if (delta === 0) return;
    await this.#pool.transaction(async (tx) => {
      if (reservation.runId !== undefined) {
        await tx.query(sql.unsafe`
          UPDATE llm_run_tokens SET tokens = GREATEST(0, tokens + ${delta}), updated_at = now()
          WHERE run_id = ${reservation.runId}`);
      }
      await tx.query(sql.unsafe`
        UPDATE llm_skill_day_tokens SET tokens = GREATEST(0, tokens + ${delta})
        WHERE skill = ${reservation.skill} AND day = ${reservation.day}`);
    });
  }

  /** What a skill has used on a day, and what a run has used (for the admin and tests). */
  async used(skill: string, day: string, runId?: string): Promise<{ skillDay: number; run: number }> {
    const row = await this.#pool.one(sql.type(z.object({ skill_day: z.number(), run: z.number() }))`
      SELECT COALESCE((SELECT tokens FROM llm_skill_day_tokens WHERE skill = ${skill} AND day = ${day}), 0)::int AS skill_day,
             COALESCE((SELECT tokens FROM llm_run_tokens WHERE run_id = ${runId ?? ''}), 0)::int AS run`);
    return { skillDay: row.skill_day, run: row.run };
  }

  /** Forgets run budgets of runs idle for a week, and skill days older than a year. */
  async prune(): Promise<void> {
    await this.#pool.query(sql.unsafe`
      DELETE FROM llm_run_tokens WHERE updated_at < now() - make_interval(days => ${RUN_BUDGET_RETENTION_DAYS})`);
    await this.#pool.query(sql.unsafe`DELETE FROM llm_skill_day_tokens WHERE day < current_date - 366`);
  }
}
