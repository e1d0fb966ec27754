import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';

export interface SkillsWatcherOptions {
  skillsDirReal: string;
  logger: Logger;
  /** Called once per changed top-level folder after the writes settle; it must only inspect, never load. */
  onFolderChanged(name: string): Promise<void>;
  /** How long a folder must be quiet before it is inspected (a copy writes several files). */
  settleMs?: number;
}

/**
 * Watches the skills folder with chokidar and reports which top-level folders changed. It never
 * loads anything: a change only makes the folder show up (again) as pending.
 */
export class SkillsWatcher {
  readonly #options: SkillsWatcherOptions;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  #watcher: FSWatcher | undefined;

  constructor(options: SkillsWatcherOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const watcher = watch(this.#options.skillsDirReal, {
      ignoreInitial: true,
      followSymlinks: false,
      depth: 2,
      ignorePermissionErrors: true,
    });
    watcher.on('all', (_event, changed) => this.#schedule(changed));
    watcher.on('error', (error) =>
      this.#options.logger.warn({ reason: errorMessage(error) }, 'skills folder watcher error'),
    );
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.#watcher = watcher;
  }

  #schedule(changed: string): void {
    const relative = path.relative(this.#options.skillsDirReal, changed);
    const name = relative.split(path.sep)[0];
    if (!name || name.startsWith('.') || name.startsWith('..')) return;
    clearTimeout(this.#timers.get(name));
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        const inspection = this.#options
          .onFolderChanged(name)
          .catch((error: unknown) =>
            this.#options.logger.warn(
              { skill: name, reason: errorMessage(error) },
              'could not inspect a changed skill folder',
            ),
          )
          .finally(() => this.#running.delete(inspection));
        this.#running.add(inspection);
      }, this.#options.settleMs ?? 250),
    );
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#watcher?.close();
    this.#watcher = undefined;
    await Promise.all(this.#running);
  }
}
