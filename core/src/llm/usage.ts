import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { LlmUsageRow } from './wire-types.ts';

const usageRow = z.object({
  day: z.string(),
  provider_id: z.string(),
  provider_name: z.string(),
  requests: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  errors: z.number(),
});

/** Requests, tokens and errors per provider and UTC day, counted in PostgreSQL (all nodes together). */
export class UsageLedger {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  /** One attempt: a request, its tokens when it answered, an error when it did not. */
  async record(
    providerId: string,
    day: string,
    attempt: { inputTokens: number; outputTokens: number; failed: boolean },
  ): Promise<void> {
    await this.#pool.query(sql.unsafe`
      INSERT INTO llm_usage_daily (provider_id, day, requests, input_tokens, output_tokens, errors)
      VALUES (${providerId}, ${day}, 1, ${attempt.inputTokens}, ${attempt.outputTokens}, ${attempt.failed ? 1 : 0})
      ON CONFLICT (provider_id, day) DO UPDATE SET
        requests = llm_usage_daily.requests + 1,
        input_tokens = llm_usage_daily.input_tokens + EXCLUDED.input_tokens,
        output_tokens = llm_usage_daily.output_tokens + EXCLUDED.output_tokens,
        errors = llm_usage_daily.errors + EXCLUDED.errors`);
  }

  /** The last `days` UTC days up to `today`, newest first, then by provider. */
  async list(today: string, days: number): Promise<LlmUsageRow[]> {
    const rows = await this.#pool.any(sql.type(usageRow)`
      SELECT to_char(u.day, 'YYYY-MM-DD') AS day, u.provider_id, COALESCE(p.name, u.provider_id) AS provider_name,
             u.requests, u.input_tokens::float8 AS input_tokens, u.output_tokens::float8 AS output_tokens, u.errors
      FROM llm_usage_daily u LEFT JOIN llm_providers p ON p.id = u.provider_id
      WHERE u.day > ${today}::date - ${days}::int AND u.day <= ${today}::date
      ORDER BY u.day DESC, u.provider_id`);
    return rows.map((row) => ({
      day: row.day,
      providerId: row.provider_id,
      providerName: row.provider_name,
      requests: row.requests,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      errors: row.errors,
    }));
  }
}
