/**
 * Replays the core ran (`automation_runs`) and the files it kept from them, under
 * `<DATA_DIR>/automation/runs/<run id>/<downloads|screenshots>/<name>`. Each recipe keeps its newest
 * replays' files within its quota (`web_automator.max_recipe_downloads_mb`) and its newest
 * RUNS_KEPT_PER_RECIPE replays; older files and rows are removed.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';
import { TalonError } from '../errors.ts';
import { RUNS_KEPT_PER_RECIPE } from './limits.ts';

export type FileKind = 'downloads' | 'screenshots';
export type AutomationTrigger = 'admin' | 'telegram' | 'workflow';

export interface KeptFile {
  kind: FileKind;
  name: string;
  bytes: number;
  sha256: string;
  /** The recipe step it came from. */
  step: number | null;
  /** `failure` for the page of a failed step, `step` for a screenshot step; null for downloads. */
  reason: 'failure' | 'step' | null;
}

export interface RunRecordInput {
  id: string;
  recipeId: string;
  recipeName: string;
  trigger: AutomationTrigger;
  workflowRunId: string | null;
  status: 'succeeded' | 'failed';
  error: { code: string; message: string; step: number | null } | null;
  /** What the sidecar answered, without files, secrets or the session (steps, data, refusals). */
  result: Record<string, unknown>;
  files: KeptFile[];
  startedAt: Date;
  finishedAt: Date;
}

export interface AutomationRunRecord extends Omit<RunRecordInput, 'startedAt' | 'finishedAt'> {
  filesBytes: number;
  startedAt: number;
  finishedAt: number;
}

/** A file name as the sidecar writes them: one path segment, no control characters. */
export function isKeptFileName(name: string): boolean {
  if (name === '.' || name === '..' || name.length === 0 || name.length > 200) return false;
  return ![...name].some((char) => char === '/' || char === '\\' || char.charCodeAt(0) < 0x20);
}

const runRow = z.object({
  id: z.string(),
  recipe_id: z.string(),
  recipe_name: z.string(),
  trigger: z.enum(['admin', 'telegram', 'workflow']),
  workflow_run_id: z.string().nullable(),
  status: z.enum(['succeeded', 'failed']),
  error: z.custom<RunRecordInput['error']>(() => true),
  result: z.record(z.string(), z.unknown()),
  files: z.custom<KeptFile[]>((value) => Array.isArray(value)),
  files_bytes: z.number(),
  started_at: z.number(),
  finished_at: z.number(),
});

const SELECT_RUN = sql.fragment`
  SELECT id, recipe_id, recipe_name, trigger, workflow_run_id, status, error, result, files,
         files_bytes::float8 AS files_bytes, started_at, finished_at
  FROM automation_runs`;

function toRecord(row: z.infer<typeof runRow>): AutomationRunRecord {
  return {
    id: row.id,
    recipeId: row.recipe_id,
    recipeName: row.recipe_name,
    trigger: row.trigger,
    workflowRunId: row.workflow_run_id,
    status: row.status,
    error: row.error,
    result: row.result,
    files: row.files,
    filesBytes: row.files_bytes,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export class AutomationRunStore {
  readonly #pool: DatabasePool;
  /** `<DATA_DIR>/automation/runs`. */
  readonly root: string;

  constructor(pool: DatabasePool, dataDir: string) {
    this.#pool = pool;
    this.root = path.join(dataDir, 'automation', 'runs');
  }

  /** The folder a run's files of one kind are in (a run id Talon generated, a fixed kind). */
  folderOf(runId: string, kind: FileKind): string {
    return path.join(this.root, runId, kind);
  }

  /** Creates (mode 0700) and answers the folder a run's files of one kind go to. */
  async folderFor(runId: string, kind: FileKind): Promise<string> {
    const folder = this.folderOf(runId, kind);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    return folder;
  }

  /** Where a kept file is on disk; refuses anything that is not a file the run kept. */
  async fileOf(runId: string, kind: string, name: string): Promise<{ path: string; file: KeptFile }> {
    const run = await this.get(runId);
    const file = run.files.find((candidate) => candidate.kind === kind && candidate.name === name);
    if (!file || !isKeptFileName(name)) {
      throw new TalonError('file_not_found', `The replay ${runId} kept no file ${kind}/${name}`, 404);
    }
    return { path: path.join(this.root, run.id, file.kind, file.name), file };
  }

  async insert(run: RunRecordInput): Promise<void> {
    const bytes = run.files.reduce((sum, file) => sum + file.bytes, 0);
    await this.#pool.query(sql.unsafe`
      INSERT INTO automation_runs (id, recipe_id, recipe_name, trigger, workflow_run_id, status, error,
                                   result, files, files_bytes, started_at, finished_at)
      VALUES (${run.id}, ${run.recipeId}, ${run.recipeName}, ${run.trigger}, ${run.workflowRunId},
              ${run.status}, ${run.error === null ? null : sql.jsonb(run.error)},
              ${sql.jsonb(run.result as never)}, ${sql.jsonb(run.files as never)}, ${bytes},
              ${run.startedAt.toISOString()}, ${run.finishedAt.toISOString()})`);
  }

  async get(runId: string): Promise<AutomationRunRecord> {
    const row = /^[0-9a-f-]{36}$/.test(runId)
      ? await this.#pool.maybeOne(sql.type(runRow)`${SELECT_RUN} WHERE id = ${runId}`)
      : null;
    if (!row)
      throw new TalonError('automation_run_not_found', `There is no replay ${runId.slice(0, 40)}`, 404);
    return toRecord(row);
  }

  async forRecipe(recipeId: string, limit = 20): Promise<AutomationRunRecord[]> {
    const rows = await this.#pool.any(
      sql.type(runRow)`${SELECT_RUN} WHERE recipe_id = ${recipeId} ORDER BY finished_at DESC LIMIT ${limit}`,
    );
    return rows.map(toRecord);
  }

  async latestPerRecipe(): Promise<Map<string, AutomationRunRecord>> {
    const rows = await this.#pool.any(sql.type(runRow)`
      SELECT DISTINCT ON (recipe_id) id, recipe_id, recipe_name, trigger, workflow_run_id, status, error,
             result, files, files_bytes::float8 AS files_bytes, started_at, finished_at
      FROM automation_runs ORDER BY recipe_id, finished_at DESC`);
    return new Map(rows.map((row) => [row.recipe_id, toRecord(row)]));
  }

  /**
   * Keeps a recipe's newest replays within its file quota and count: files of older replays past
   * the quota are deleted (the replay stays, marked without files), replays past the count go.
   */
  async prune(recipeId: string, maxBytes: number): Promise<void> {
    const rows = await this.#pool.any(sql.type(z.object({ id: z.string(), files_bytes: z.number() }))`
      SELECT id, files_bytes::float8 AS files_bytes FROM automation_runs
      WHERE recipe_id = ${recipeId} ORDER BY finished_at DESC`);
    let total = 0;
    for (const [index, row] of rows.entries()) {
      total += row.files_bytes;
      if (index >= RUNS_KEPT_PER_RECIPE) {
        await this.#pool.query(sql.unsafe`DELETE FROM automation_runs WHERE id = ${row.id}`);
        await rm(path.join(this.root, row.id), { recursive: true, force: true });
      } else if (total > maxBytes && row.files_bytes > 0 && index > 0) {
        await this.#pool.query(sql.unsafe`
          UPDATE automation_runs SET files = '[]', files_bytes = 0 WHERE id = ${row.id}`);
        await rm(path.join(this.root, row.id), { recursive: true, force: true });
        total -= row.files_bytes;
      }
    }
  }

  /** Removes the files of these replays (their rows go with their recipe). */
  async removeFiles(runIds: readonly string[]): Promise<void> {
    for (const id of runIds) await rm(path.join(this.root, id), { recursive: true, force: true });
  }
}
