import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Run ids are UUIDs; file names are what sanitizeFileName makes. Both are checked before touching a path. */
export const RUN_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const FILE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

export type RunKind = 'replay' | 'recording';

interface RunRecord {
  kind: RunKind;
  recipe: string;
  createdAt: string;
}

/** One replay's or recording's folder of files (downloads, screenshots). */
export interface RunFolder {
  id: string;
  recipe: string;
  /** A path for a new file: `preferred`, sanitized, made unique within the run. */
  reserve(preferred: string): { name: string; path: string };
}

/** A file name safe on any file system and in a URL: letters, digits, `.`, `_`, `-`; no leading dot. */
export function sanitizeFileName(name: string): string {
  const base = path
    .basename(name)
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '');
  const trimmed = base.slice(-100);
  return trimmed === '' ? 'download' : trimmed;
}

/**
 * The files replays and recordings leave under `<data>/runs/<run id>/`, with `run.json` saying whose
 * they are: that is how a recipe's usage is counted against its quota. Files stay until the caller
 * deletes the run (after copying what it wants to keep).
 */
export class RunFiles {
  readonly #root: string;

  constructor(dataDir: string) {
    this.#root = path.join(dataDir, 'runs');
  }

  async create(kind: RunKind, recipe: string): Promise<RunFolder> {
    const id = randomUUID();
    const folder = path.join(this.#root, id);
    await mkdir(path.join(folder, 'files'), { recursive: true, mode: 0o700 });
    const record: RunRecord = { kind, recipe, createdAt: new Date().toISOString() };
    await writeFile(path.join(folder, 'run.json'), JSON.stringify(record), { mode: 0o600 });
    const taken = new Set<string>();
    return {
      id,
      recipe,
      reserve(preferred) {
        const clean = sanitizeFileName(preferred);
        const dot = clean.lastIndexOf('.');
        const [stem, extension] = dot > 0 ? [clean.slice(0, dot), clean.slice(dot)] : [clean, ''];
        let name = clean;
        for (let copy = 2; taken.has(name); copy += 1) name = `${stem}-${copy}${extension}`;
        taken.add(name);
        return { name, path: path.join(folder, 'files', name) };
      },
    };
  }

  /** Bytes kept for `recipe` across all its runs. */
  async usageOf(recipe: string): Promise<number> {
    if (!existsSync(this.#root)) return 0;
    let total = 0;
    for (const id of await readdir(this.#root)) {
      const record = await this.#record(id);
      if (record?.recipe !== recipe) continue;
      const files = path.join(this.#root, id, 'files');
      for (const name of await readdir(files).catch(() => [] as string[])) {
        total += (await stat(path.join(files, name)).catch(() => undefined))?.size ?? 0;
      }
    }
    return total;
  }

  /** The path of a run's file, or undefined when there is no such run or file. */
  async locate(runId: string, name: string): Promise<{ path: string; size: number } | undefined> {
    if (!new RegExp(RUN_ID_PATTERN).test(runId) || !new RegExp(FILE_NAME_PATTERN).test(name))
      return undefined;
    const file = path.join(this.#root, runId, 'files', name);
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? { path: file, size: info.size } : undefined;
  }

  /** Removes a run's files; false when there was no such run. */
  async remove(runId: string): Promise<boolean> {
    if (!new RegExp(RUN_ID_PATTERN).test(runId)) return false;
    const folder = path.join(this.#root, runId);
    if (!existsSync(folder)) return false;
    await rm(folder, { recursive: true, force: true });
    return true;
  }

  async #record(id: string): Promise<RunRecord | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.#root, id, 'run.json'), 'utf8')) as RunRecord;
    } catch {
      return undefined;
    }
  }
}
