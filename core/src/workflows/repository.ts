import { sql, type DatabasePool, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { WorkflowDefinition } from './definition.ts';
import type { TalonError } from '../errors.ts';
import { WorkflowChangedError, WorkflowNameTakenError, WorkflowNotFoundError } from './errors.ts';
import type { ScheduleStatus } from './wire-types.ts';

export type { ScheduleStatus };

export interface WorkflowRecord {
  id: string;
  version: number;
  definition: WorkflowDefinition;
  scheduleStatus: ScheduleStatus;
  scheduleApprovedVersion: number | null;
  scheduleLastTickAt: number | null;
  createdAt: number;
  updatedAt: number;
}

const workflowRow = z.object({
  id: z.string(),
  version: z.number(),
  definition: z.custom<WorkflowDefinition>((value) => typeof value === 'object' && value !== null),
  schedule_approved_version: z.number().nullable(),
  schedule_last_tick_at: z.number().nullable(),
  created_at: z.number(),
  updated_at: z.number(),
});
type WorkflowRow = z.infer<typeof workflowRow>;

/** A workflow's current version and what it defines (without its schedule bookkeeping). */
export type CurrentWorkflow = Pick<WorkflowRecord, 'id' | 'version' | 'definition'>;

const SELECT_WORKFLOW = sql.fragment`
  SELECT w.id, w.version, v.definition, w.schedule_approved_version, w.schedule_last_tick_at,
         w.created_at, w.updated_at
  FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.version`;

export function scheduleStatusOf(
  definition: WorkflowDefinition,
  version: number,
  approved: number | null,
): ScheduleStatus {
  if (!definition.schedule) return 'none';
  if (!definition.schedule.enabled || !definition.enabled) return 'off';
  if (definition.requires2fa && approved !== version) return 'awaiting_approval';
  return 'active';
}

function toRecord(row: WorkflowRow): WorkflowRecord {
  return {
    id: row.id,
    version: row.version,
    definition: row.definition,
    scheduleStatus: scheduleStatusOf(row.definition, row.version, row.schedule_approved_version),
    scheduleApprovedVersion: row.schedule_approved_version,
    scheduleLastTickAt: row.schedule_last_tick_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  while (current instanceof Error) {
    if ((current as { code?: unknown }).code === '23505') return true;
    current = current.cause;
  }
  return false;
}

/**
 * Workflows in PostgreSQL. Every save writes a new immutable version (the full definition) and
 * rewrites the current steps, in one transaction; runs point at the version they executed.
 */
export class WorkflowRepository {
  readonly #pool: DatabasePool;
  /** Versions never change once written, so they are cached for the executor's hot path. */
  readonly #versions = new Map<string, WorkflowDefinition>();
  readonly #versionReads: {
    id: string;
    resolve: (version: number | undefined) => void;
    reject: (error: unknown) => void;
  }[] = [];
  #readingVersions = false;
  /** The version each workflow had when this node last read or saved it (see `lastSeenCurrent`). */
  readonly #seenCurrent = new Map<string, number>();

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  async create(definition: WorkflowDefinition): Promise<WorkflowRecord> {
    try {
      const id = await this.#pool.transaction(async (tx) => {
        const created = await tx.oneFirst(sql.type(z.object({ id: z.string() }))`
          INSERT INTO workflows (name) VALUES (${definition.name}) RETURNING id`);
        await this.#writeVersion(tx, created, 1, definition);
        return created;
      });
      return await this.get(id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new WorkflowNameTakenError(definition.name);
      throw error;
    }
  }

  /**
   * Saves a new version; the schedule approval stays with the version it was given for. With
   * `expectedVersion`, refused when another save came first (a 2FA code was checked for that version).
   */
  async update(
    id: string,
    definition: WorkflowDefinition,
    expectedVersion?: number,
  ): Promise<WorkflowRecord> {
    try {
      await this.#pool.transaction(async (tx) => {
        const version = await tx.maybeOneFirst(sql.type(z.object({ version: z.number() }))`
          UPDATE workflows SET version = version + 1
          WHERE id = ${id} AND (${expectedVersion ?? null}::int IS NULL OR version = ${expectedVersion ?? null})
          RETURNING version`);
        if (version === null) throw await this.#missingOrChanged(id);
        await this.#writeVersion(tx, id, version, definition);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new WorkflowNameTakenError(definition.name);
      throw error;
    }
    return this.get(id);
  }

  async #writeVersion(
    tx: DatabaseTransactionConnection,
    id: string,
    version: number,
    definition: WorkflowDefinition,
  ): Promise<void> {
    const schedule = definition.schedule;
    await tx.query(sql.unsafe`
      UPDATE workflows SET
        name = ${definition.name}, description = ${definition.description}, enabled = ${definition.enabled},
        schedule_cron = ${schedule?.cron ?? null}, schedule_timezone = ${schedule?.timezone ?? 'UTC'},
        missed_run_policy = ${schedule?.missedRunPolicy ?? 'skip'}, schedule_enabled = ${schedule?.enabled ?? false},
        requires_2fa = ${definition.requires2fa}, llm_tier = ${definition.llm.tier},
        llm_provider = ${definition.llm.provider}, node_pin = ${definition.nodePin},
        max_concurrent_runs = ${definition.maxConcurrentRuns}, step_budget = ${definition.stepBudget},
        updated_at = now()
      WHERE id = ${id}`);
    await tx.query(sql.unsafe`
      INSERT INTO workflow_versions (workflow_id, version, definition)
      VALUES (${id}, ${version}, ${sql.jsonb(JSON.parse(JSON.stringify(definition)))})`);
    await tx.query(sql.unsafe`DELETE FROM workflow_steps WHERE workflow_id = ${id}`);
    for (const [position, step] of definition.steps.entries()) {
      await tx.query(sql.unsafe`
        INSERT INTO workflow_steps (workflow_id, position, step_id, name, skill, skill_version, config,
                                    input_from, routes, retry, on_unavailable, fallback_skill)
        VALUES (${id}, ${position}, ${step.id}, ${step.name}, ${step.skill}, ${step.skillVersion},
                ${sql.jsonb(step.config)}, ${step.inputFrom}, ${sql.jsonb(step.routes)},
                ${sql.jsonb(JSON.parse(JSON.stringify(step.retry)))}, ${step.onUnavailable}, ${step.fallbackSkill})`);
    }
  }

  async find(id: string): Promise<WorkflowRecord | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const row = await this.#pool.maybeOne(sql.type(workflowRow)`${SELECT_WORKFLOW} WHERE w.id = ${id}`);
    this.#saw(id, row?.version);
    return row ? toRecord(row) : undefined;
  }

  async get(id: string): Promise<WorkflowRecord> {
    const record = await this.find(id);
    if (!record) throw new WorkflowNotFoundError(id);
    return record;
  }

  async findByName(name: string): Promise<WorkflowRecord | undefined> {
    const row = await this.#pool.maybeOne(sql.type(workflowRow)`${SELECT_WORKFLOW} WHERE w.name = ${name}`);
    return row ? toRecord(row) : undefined;
  }

  /** Ordered by name; `search` matches name or description, case-insensitively. */
  async list(options: { search?: string } = {}): Promise<WorkflowRecord[]> {
    const pattern = `%${(options.search ?? '').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.#pool.any(sql.type(workflowRow)`
      ${SELECT_WORKFLOW} WHERE w.name ILIKE ${pattern} OR w.description ILIKE ${pattern} ORDER BY w.name`);
    return rows.map(toRecord);
  }

  /** With `expectedVersion`, refused when the workflow was saved again meanwhile. */
  async delete(id: string, expectedVersion?: number): Promise<void> {
    const result = await this.#pool.query(sql.unsafe`
      DELETE FROM workflows
      WHERE id = ${id} AND (${expectedVersion ?? null}::int IS NULL OR version = ${expectedVersion ?? null})`);
    if (result.rowCount === 0) throw await this.#missingOrChanged(id);
    this.#seenCurrent.delete(id);
  }

  async #missingOrChanged(id: string): Promise<TalonError> {
    if (!(await this.find(id))) return new WorkflowNotFoundError(id);
    return new WorkflowChangedError();
  }

  /**
   * The current version with its definition: what a trigger needs, for the cost of reading one
   * integer (the definition comes from the cache of immutable versions). The versions asked for
   * while a read is in flight are read together, in one statement.
   */
  async current(id: string): Promise<CurrentWorkflow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new WorkflowNotFoundError(id);
    const version = await new Promise<number | undefined>((resolve, reject) => {
      this.#versionReads.push({ id, resolve, reject });
      if (!this.#readingVersions) void this.#readVersions();
    });
    if (version === undefined) throw new WorkflowNotFoundError(id);
    return { id, version, definition: await this.definitionAt(id, version) };
  }

  async #readVersions(): Promise<void> {
    this.#readingVersions = true;
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#versionReads.length > 0) {
      const batch = this.#versionReads.splice(0);
      try {
        const rows = await this.#pool.any(sql.type(z.object({ id: z.string(), version: z.number() }))`
          SELECT id, version FROM workflows
          WHERE id = ANY(${sql.array([...new Set(batch.map((read) => read.id))], 'uuid')})`);
        const versions = new Map(rows.map((row) => [row.id, row.version]));
        for (const read of batch) {
          this.#saw(read.id, versions.get(read.id));
          read.resolve(versions.get(read.id));
        }
      } catch (error) {
        for (const read of batch) read.reject(error);
      }
    }
    this.#readingVersions = false;
  }

  #saw(id: string, version: number | undefined): void {
    if (version === undefined) this.#seenCurrent.delete(id);
    else this.#seenCurrent.set(id, version);
  }

  /**
   * The current version as this node last read or saved it, without reading it again (undefined
   * when it has not seen the workflow): a trigger may start from it because a run is written only
   * while its version is still current (`RunDispatcher`), and reads it again otherwise.
   */
  async lastSeenCurrent(id: string): Promise<CurrentWorkflow | undefined> {
    const version = this.#seenCurrent.get(id);
    if (version === undefined) return undefined;
    return { id, version, definition: await this.definitionAt(id, version) };
  }

  /** The definition a given version had (cached: versions are immutable). */
  async definitionAt(id: string, version: number): Promise<WorkflowDefinition> {
    const key = `${id}@${version}`;
    const cached = this.#versions.get(key);
    if (cached) return cached;
    const definition = await this.#pool.maybeOneFirst(sql.type(
      z.object({ definition: workflowRow.shape.definition }),
    )`
      SELECT definition FROM workflow_versions WHERE workflow_id = ${id} AND version = ${version}`);
    if (definition === null) throw new WorkflowNotFoundError(id);
    this.#versions.set(key, definition);
    return definition;
  }

  /** Records that the owner approved (with 2FA) the schedule of this exact version. */
  async approveSchedule(id: string, version: number): Promise<boolean> {
    const result = await this.#pool.query(sql.unsafe`
      UPDATE workflows SET schedule_approved_version = ${version} WHERE id = ${id} AND version = ${version}`);
    return result.rowCount === 1;
  }
}
