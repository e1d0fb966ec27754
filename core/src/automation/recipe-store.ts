/**
 * Recipes as resources in PostgreSQL (`automation_recipes`): what a recording produced, as the owner
 * reviewed and edited it. Each change bumps `version`, which a 2FA code for a change is bound to.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import type { Recipe } from '@talon/skill-runtime/recipes/index.ts';
import type { DatabasePool } from '../db/pool.ts';
import { TalonError } from '../errors.ts';

export type RecipeStatus = 'draft' | 'ready';

export interface RecipeRecord {
  id: string;
  name: string;
  /** The name with `-` as `_`: how its secrets and session are named in the settings. */
  settingName: string;
  /** The recipe as saved; a draft's may not validate yet (see `problems`). */
  recipe: Recipe;
  problems: string[];
  status: RecipeStatus;
  version: number;
  keepSession: boolean;
  sourceRecording: string | null;
  createdAt: number;
  updatedAt: number;
  reviewedAt: number | null;
}

const recipeRow = z.object({
  id: z.string(),
  name: z.string(),
  setting_name: z.string(),
  recipe: z.custom<Recipe>((value) => typeof value === 'object' && value !== null),
  problems: z.array(z.string()),
  status: z.enum(['draft', 'ready']),
  version: z.number(),
  keep_session: z.boolean(),
  source_recording: z.string().nullable(),
  created_at: z.number(),
  updated_at: z.number(),
  reviewed_at: z.number().nullable(),
});

const SELECT_RECIPE = sql.fragment`
  SELECT id, name, setting_name, recipe, problems, status, version, keep_session, source_recording,
         created_at, updated_at, reviewed_at
  FROM automation_recipes`;

function toRecord(row: z.infer<typeof recipeRow>): RecipeRecord {
  return {
    id: row.id,
    name: row.name,
    settingName: row.setting_name,
    recipe: row.recipe,
    problems: row.problems,
    status: row.status,
    version: row.version,
    keepSession: row.keep_session,
    sourceRecording: row.source_recording,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    reviewedAt: row.reviewed_at,
  };
}

export function settingNameOf(recipeName: string): string {
  return recipeName.replaceAll('-', '_');
}

export class RecipeNotFoundError extends TalonError {
  constructor(what: string) {
    super('recipe_not_found', `There is no recipe ${what}: /automations lists them`, 404);
  }
}

export class RecipeChangedError extends TalonError {
  constructor(name: string) {
    super('recipe_changed', `The recipe ${name} was changed meanwhile: reload it and edit again`, 409);
  }
}

export class RecipeStore {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  async list(): Promise<RecipeRecord[]> {
    const rows = await this.#pool.any(sql.type(recipeRow)`${SELECT_RECIPE} ORDER BY name`);
    return rows.map(toRecord);
  }

  async get(id: string): Promise<RecipeRecord> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new RecipeNotFoundError(`with id ${id.slice(0, 40)}`);
    const row = await this.#pool.maybeOne(sql.type(recipeRow)`${SELECT_RECIPE} WHERE id = ${id}`);
    if (!row) throw new RecipeNotFoundError(`with id ${id}`);
    return toRecord(row);
  }

  async byName(name: string): Promise<RecipeRecord> {
    const row = await this.#pool.maybeOne(sql.type(recipeRow)`${SELECT_RECIPE} WHERE name = ${name}`);
    if (!row) throw new RecipeNotFoundError(`named “${name.slice(0, 80)}”`);
    return toRecord(row);
  }

  /** The draft a recording became, when it was saved already (stopping twice saves it once). */
  async bySourceRecording(recordingId: string): Promise<RecipeRecord | undefined> {
    const row = await this.#pool.maybeOne(
      sql.type(recipeRow)`${SELECT_RECIPE} WHERE source_recording = ${recordingId} LIMIT 1`,
    );
    return row ? toRecord(row) : undefined;
  }

  /** A new draft; a name (or its settings name) already taken is refused. */
  async createDraft(input: {
    recipe: Recipe;
    problems: string[];
    sourceRecording: string | null;
  }): Promise<RecipeRecord> {
    const id = randomUUID();
    const name = input.recipe.name;
    const taken = await this.#pool.exists(sql.unsafe`
      SELECT 1 FROM automation_recipes WHERE name = ${name} OR setting_name = ${settingNameOf(name)}`);
    if (taken) {
      throw new TalonError(
        'recipe_name_taken',
        `A recipe named ${name} (or ${settingNameOf(name)}) exists already: record again with another name, or delete it first`,
        409,
      );
    }
    await this.#pool.query(sql.unsafe`
      INSERT INTO automation_recipes (id, name, setting_name, recipe, problems, status, source_recording)
      VALUES (${id}, ${name}, ${settingNameOf(name)}, ${sql.jsonb(input.recipe as never)},
              ${sql.jsonb(input.problems)}, 'draft', ${input.sourceRecording})`);
    return this.get(id);
  }

  /** Saves a new version if `expectedVersion` is still current (refused otherwise). */
  async update(
    id: string,
    expectedVersion: number,
    change: { recipe?: Recipe; problems?: string[]; status?: RecipeStatus; keepSession?: boolean },
  ): Promise<RecipeRecord> {
    const current = await this.get(id);
    const recipe = change.recipe ?? current.recipe;
    const status = change.status ?? current.status;
    const updated = await this.#pool.maybeOne(sql.unsafe`
      UPDATE automation_recipes
      SET recipe = ${sql.jsonb(recipe as never)},
          problems = ${sql.jsonb(change.problems ?? current.problems)},
          status = ${status},
          keep_session = ${change.keepSession ?? current.keepSession},
          reviewed_at = CASE WHEN ${status} = 'ready' AND status = 'draft' THEN now() ELSE reviewed_at END,
          version = version + 1, updated_at = now()
      WHERE id = ${id} AND version = ${expectedVersion}
      RETURNING id`);
    if (!updated) throw new RecipeChangedError(current.name);
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.#pool.query(sql.unsafe`DELETE FROM automation_recipes WHERE id = ${id}`);
  }
}
