import type { DatabasePool, QuerySqlToken } from 'slonik';

/** Rows of an ad-hoc test query, as plain records (tests check values, not types). */
export async function rows(pool: DatabasePool, query: QuerySqlToken): Promise<Record<string, unknown>[]> {
  return (await pool.any(query)) as Record<string, unknown>[];
}
