/**
 * Recipes as the owner manages them: a recording's draft saved as a resource, reviewed and edited
 * in the admin, approved before any workflow may replay it. The rules, in one place:
 *
 * - A recipe is saved only when `parseRecipe` accepts it; its name never changes (its secrets and
 *   kept session are named after it).
 * - Approving a draft (which lets workflows use it, with its allowlist and secrets) and changing a
 *   recipe's start URL, allowlist (`allowedDomains`, `allowedPrivateAddresses`) or secret handles
 *   need a fresh 2FA code bound to that recipe's current version, once 2FA is enrolled.
 * - Each secret handle is a sensitive setting `automation.secret.<name>.<handle>` (encrypted, set on
 *   the Automations screen or under Settings, with a code like every secret); the kept session is
 *   `automation.session.<name>`. Both are covered by `pnpm talon secrets rotate`.
 */
import { parseRecipe, RecipeError, type Recipe } from '@talon/skill-runtime/recipes/index.ts';
import type { StorageState } from '@talon/sidecar-automator';
import type { AuditLog } from '../audit/audit-log.ts';
import type { StepUpVerifier } from '../auth/step-up.ts';
import { TalonError } from '../errors.ts';
import type { SettingsStore } from '../settings/store.ts';
import type { RecipeStore, RecipeRecord } from './recipe-store.ts';

export interface AutomationRequester {
  /** `admin`, `telegram:<chat>`… */
  actor: string;
  source?: string | undefined;
  /** The admin session's tag (wrong codes are counted per session). */
  session?: string | undefined;
}

export interface RecipeSecretStatus {
  handle: string;
  description: string | null;
  /** The setting that holds its value (PUT /api/settings/<key>, with a code once 2FA is enrolled). */
  settingKey: string;
  set: boolean;
}

export function secretSettingKey(record: Pick<RecipeRecord, 'settingName'>, handle: string): string {
  return `automation.secret.${record.settingName}.${handle}`;
}

export function sessionSettingKey(record: Pick<RecipeRecord, 'settingName'>): string {
  return `automation.session.${record.settingName}`;
}

/** The 2FA target a code for a recipe change is bound to: one recipe at one version. */
export function recipeTarget(record: Pick<RecipeRecord, 'id' | 'version'>): string {
  return `recipe:${record.id}@v${record.version}`;
}

export class RecipeInvalidError extends TalonError {
  readonly problems: readonly string[];

  constructor(error: RecipeError) {
    super('recipe_invalid', error.message, 400);
    this.problems = error.problems;
  }
}

/** What a code must cover: where the recipe may go and which secrets it types. */
function reachOf(recipe: Recipe): string {
  const sorted = (values: readonly string[]) => [...values].sort();
  return JSON.stringify([
    recipe.startUrl,
    sorted(recipe.allowedDomains),
    sorted(recipe.allowedPrivateAddresses),
    sorted(recipe.secrets.map((secret) => secret.handle)),
  ]);
}

function validated(input: unknown): Recipe {
  try {
    return parseRecipe(input);
  } catch (error) {
    if (error instanceof RecipeError) throw new RecipeInvalidError(error);
    throw error;
  }
}

export class RecipeResources {
  readonly store: RecipeStore;
  readonly #settings: SettingsStore;
  readonly #stepUp: StepUpVerifier;
  readonly #audit: AuditLog;

  constructor(options: {
    store: RecipeStore;
    settings: SettingsStore;
    stepUp: StepUpVerifier;
    audit: AuditLog;
  }) {
    this.store = options.store;
    this.#settings = options.settings;
    this.#stepUp = options.stepUp;
    this.#audit = options.audit;
  }

  /** Saves a recording's draft (a taken name gets `-2`, `-3`…); its secret handles get empty settings. */
  async importDraft(recipe: Recipe, problems: string[], recordingId: string): Promise<RecipeRecord> {
    const existing = new Set((await this.store.list()).flatMap((r) => [r.name, r.settingName]));
    let name = recipe.name;
    for (let n = 2; existing.has(name) || existing.has(name.replaceAll('-', '_')); n += 1) {
      name = `${recipe.name.slice(0, 60)}-${n}`;
    }
    const record = await this.store.createDraft({
      recipe: { ...recipe, name },
      problems,
      sourceRecording: recordingId,
    });
    await this.#syncSecretSettings(record, []);
    return record;
  }

  /** A recipe from elsewhere (an export, written by hand): validated, saved as a draft to review. */
  async importRecipe(input: unknown, requester: AutomationRequester): Promise<RecipeRecord> {
    const recipe = validated(input);
    const record = await this.store.createDraft({ recipe, problems: [], sourceRecording: null });
    await this.#syncSecretSettings(record, []);
    await this.#record(requester, 'automation.recipe.import', record, {});
    return record;
  }

  secrets(record: RecipeRecord): RecipeSecretStatus[] {
    return record.recipe.secrets.map((secret) => {
      const settingKey = secretSettingKey(record, secret.handle);
      return {
        handle: secret.handle,
        description: secret.description ?? null,
        settingKey,
        set: this.#settings.getString(settingKey) !== '',
      };
    });
  }

  /** The values a replay types; a handle without a value is refused by name (values never echoed). */
  secretValues(record: RecipeRecord): Record<string, string> {
    const values: Record<string, string> = {};
    const missing: string[] = [];
    for (const { handle, settingKey } of this.secrets(record)) {
      const value = this.#settings.getString(settingKey);
      if (value === '') missing.push(`${handle} (${settingKey})`);
      else values[handle] = value;
    }
    if (missing.length > 0) {
      throw new TalonError(
        'secrets_missing',
        `The recipe ${record.name} needs these secrets set first (Automations screen): ${missing.join(', ')}`,
        409,
      );
    }
    return values;
  }

  /** The session kept from the last replay, when the owner asked for it to be kept. */
  session(record: RecipeRecord): StorageState | undefined {
    if (!record.keepSession) return undefined;
    const stored = this.#settings.getString(sessionSettingKey(record));
    if (stored === '') return undefined;
    try {
      return JSON.parse(stored) as StorageState;
    } catch {
      return undefined;
    }
  }

  async keepSession(record: RecipeRecord, state: StorageState): Promise<void> {
    await this.#settings.set(sessionSettingKey(record), JSON.stringify(state), {
      type: 'string',
      sensitive: true,
      category: 'automation',
      description: `Browser session (cookies) kept for the recipe ${record.name}`,
    });
  }

  /**
   * Saves an edited recipe: validated, same name, and a code when its reach changes (see the
   * module comment). `keepSession: false` forgets a kept session.
   */
  async save(
    id: string,
    input: {
      version: number;
      recipe: unknown;
      keepSession?: boolean | undefined;
      totpCode?: string | undefined;
    },
    requester: AutomationRequester,
  ): Promise<RecipeRecord> {
    const current = await this.store.get(id);
    const next = validated(input.recipe);
    if (next.name !== current.name) {
      throw new TalonError(
        'recipe_name_fixed',
        `A recipe keeps its name (${current.name}): its secrets and session are stored under it`,
        400,
      );
    }
    if (input.version !== current.version)
      throw new TalonError(
        'recipe_changed',
        `The recipe ${current.name} was changed meanwhile: reload it`,
        409,
      );
    const reachChanged = reachOf(next) !== reachOf(current.recipe);
    if (reachChanged) {
      await this.#verify('automation.recipe.update', current, input.totpCode, requester);
    }
    const updated = await this.store.update(id, current.version, {
      recipe: next,
      problems: [],
      ...(input.keepSession === undefined ? {} : { keepSession: input.keepSession }),
    });
    await this.#syncSecretSettings(
      updated,
      current.recipe.secrets.map((secret) => secret.handle),
    );
    if (!updated.keepSession) await this.#settings.delete(sessionSettingKey(updated));
    await this.#record(requester, 'automation.recipe.update', updated, { reachChanged });
    return updated;
  }

  /** Marks a reviewed draft ready for workflows: it must validate, and needs a code. */
  async approve(
    id: string,
    input: { version: number; totpCode?: string | undefined },
    requester: AutomationRequester,
  ): Promise<RecipeRecord> {
    const current = await this.store.get(id);
    if (current.status === 'ready') return current;
    validated(current.recipe);
    if (input.version !== current.version)
      throw new TalonError(
        'recipe_changed',
        `The recipe ${current.name} was changed meanwhile: reload it`,
        409,
      );
    await this.#verify('automation.recipe.approve', current, input.totpCode, requester);
    const updated = await this.store.update(id, current.version, { status: 'ready', problems: [] });
    await this.#record(requester, 'automation.recipe.approve', updated, {});
    return updated;
  }

  /** Deletes a recipe with its secrets and kept session (its replays and files go with it). */
  async delete(id: string, requester: AutomationRequester): Promise<RecipeRecord> {
    const current = await this.store.get(id);
    await this.store.delete(id);
    for (const secret of current.recipe.secrets) {
      await this.#settings.delete(secretSettingKey(current, secret.handle));
    }
    await this.#settings.delete(sessionSettingKey(current));
    await this.#record(requester, 'automation.recipe.delete', current, {});
    return current;
  }

  async #verify(
    action: string,
    record: RecipeRecord,
    code: string | undefined,
    requester: AutomationRequester,
  ): Promise<void> {
    await this.#stepUp.verify({
      action,
      code,
      actor: requester.actor,
      source: requester.source,
      session: requester.session,
      target: recipeTarget(record),
      whenNotEnrolled: 'allow',
    });
  }

  /** One empty sensitive setting per declared handle; settings of handles no longer declared go. */
  async #syncSecretSettings(record: RecipeRecord, previousHandles: readonly string[]): Promise<void> {
    const handles = record.recipe.secrets.map((secret) => secret.handle);
    for (const handle of handles) {
      const key = secretSettingKey(record, handle);
      if (this.#settings.has(key)) continue;
      await this.#settings.set(key, '', {
        type: 'string',
        sensitive: true,
        category: 'automation',
        description: `Secret “${handle}” of the browser recipe ${record.name}`,
      });
    }
    for (const handle of previousHandles.filter((old) => !handles.includes(old))) {
      await this.#settings.delete(secretSettingKey(record, handle));
    }
  }

  async #record(
    requester: AutomationRequester,
    action: string,
    record: RecipeRecord,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.#audit.record({
      actor: requester.actor,
      action,
      target: record.name,
      outcome: 'succeeded',
      source: requester.source,
      details: { recipe: record.id, version: record.version, ...details },
    });
  }
}
