import type pg from 'pg';

/** The schemas a backup holds: Talon's own (`public`) and pg-boss's (jobs, schedules). */
export const BACKED_UP_SCHEMAS: readonly string[] = ['public', 'pgboss'];

/** Not data: restore rebuilds the schema by applying the same migrations, which fills this table. */
export const SCHEMA_TABLES: ReadonlySet<string> = new Set(['public.talon_migrations']);

export interface CatalogTable {
  schema: string;
  name: string;
  /** Stored columns in order (generated columns are computed again on restore). */
  columns: string[];
}

export interface CatalogSequence {
  schema: string;
  name: string;
  lastValue: string | null;
}

export function qualified(table: { schema: string; name: string }): string {
  return `${table.schema}.${table.name}`;
}

/** `"schema"."name"`, for SQL text built from catalog names. */
export function quotedName(table: { schema: string; name: string }): string {
  return `"${table.schema.replaceAll('"', '""')}"."${table.name.replaceAll('"', '""')}"`;
}

export function quotedColumns(columns: readonly string[]): string {
  return columns.map((column) => `"${column.replaceAll('"', '""')}"`).join(', ');
}

/**
 * Tables in an order where each comes after the tables it references (foreign keys), ties by name,
 * so COPY into them never breaks a constraint.
 */
export function referencesFirst(
  tables: readonly CatalogTable[],
  references: readonly [string, string][],
): CatalogTable[] {
  const byName = new Map(tables.map((table) => [qualified(table), table]));
  const needs = new Map<string, Set<string>>([...byName.keys()].map((name) => [name, new Set<string>()]));
  for (const [from, to] of references) {
    if (from !== to && byName.has(from) && byName.has(to)) needs.get(from)!.add(to);
  }
  const ordered: CatalogTable[] = [];
  const placed = new Set<string>();
  while (placed.size < byName.size) {
    const ready = [...needs.entries()]
      .filter(([name, wanted]) => !placed.has(name) && [...wanted].every((other) => placed.has(other)))
      .map(([name]) => name)
      .sort();
    // A cycle (none in Talon's schema) is placed by name; its COPY would then name the broken constraint.
    const next =
      ready.length > 0
        ? ready
        : [...byName.keys()]
            .filter((name) => !placed.has(name))
            .sort()
            .slice(0, 1);
    for (const name of next) {
      placed.add(name);
      ordered.push(byName.get(name)!);
    }
  }
  return ordered;
}

/** Every table of the backed-up schemas with its stored columns, references first. */
export async function readTables(client: pg.ClientBase): Promise<CatalogTable[]> {
  const tables = await client.query<{ schema: string; name: string; columns: string[] }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            ARRAY(SELECT a.attname::text FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                  ORDER BY a.attnum) AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname = ANY($1)
     ORDER BY n.nspname, c.relname`,
    [BACKED_UP_SCHEMAS],
  );
  const references = await client.query<{ source: string; target: string }>(
    `SELECT sn.nspname || '.' || s.relname AS source, tn.nspname || '.' || t.relname AS target
     FROM pg_constraint k
     JOIN pg_class s ON s.oid = k.conrelid JOIN pg_namespace sn ON sn.oid = s.relnamespace
     JOIN pg_class t ON t.oid = k.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
     WHERE k.contype = 'f' AND sn.nspname = ANY($1)`,
    [BACKED_UP_SCHEMAS],
  );
  return referencesFirst(
    tables.rows.filter((table) => !SCHEMA_TABLES.has(qualified(table)) && table.columns.length > 0),
    references.rows.map((row) => [row.source, row.target]),
  );
}

export async function readSequences(client: pg.ClientBase): Promise<CatalogSequence[]> {
  const rows = await client.query<{ schema: string; name: string; last_value: string | null }>(
    `SELECT schemaname AS schema, sequencename AS name, last_value::text AS last_value
     FROM pg_sequences WHERE schemaname = ANY($1) ORDER BY schemaname, sequencename`,
    [BACKED_UP_SCHEMAS],
  );
  return rows.rows.map((row) => ({ schema: row.schema, name: row.name, lastValue: row.last_value }));
}

/** True when none of the backed-up schemas holds a table: a database restore may write into. */
export async function isEmptyDatabase(client: pg.ClientBase): Promise<boolean> {
  const row = await client.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)`,
    [BACKED_UP_SCHEMAS],
  );
  return row.rows[0]!.count === 0;
}
