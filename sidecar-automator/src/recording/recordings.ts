import { randomUUID } from 'node:crypto';
import type { BrowserContext } from 'playwright-core';
import { FIXED_LIMITS } from '../limits.ts';
import { errorMessage, SidecarError } from '../errors.ts';
import type { VncEndpoint } from '../vnc/rfb-bridge.ts';
import { RecordingSession, type RecordingDeps, type RecordingResult } from './recording-session.ts';

export type RecordingState = 'starting' | 'recording' | 'stopping' | 'stopped';

/** A recording as the API shows it. */
export interface RecordingView {
  id: string;
  name: string;
  url: string;
  state: RecordingState;
  startedAt: string;
  stoppedAt?: string;
  /** `request` (POST …/stop) or `time_limit` (open longer than the sidecar allows). */
  stoppedBy?: 'request' | 'time_limit';
  /** The display's size, which is the live view's. */
  display: { width: number; height: number };
  /** The WebSocket path of the live view (RFB over binary frames), while recording. */
  liveView?: string;
}

interface Current {
  view: RecordingView;
  session?: RecordingSession;
  stopping?: Promise<RecordingResult>;
  timer?: NodeJS.Timeout;
}

interface Finished {
  view: RecordingView;
  result: RecordingResult;
  expiresAt: number;
}

/**
 * At most one recording at a time (it owns the display and the live view). A stopped recording's
 * result is kept for a while, so stopping is idempotent and a result is not lost to a dropped reply.
 */
export class Recordings {
  readonly #deps: RecordingDeps;
  readonly #now: () => number;
  #current: Current | undefined;
  readonly #finished = new Map<string, Finished>();

  constructor(deps: RecordingDeps, now: () => number = Date.now) {
    this.#deps = deps;
    this.#now = now;
  }

  async start(request: {
    url: string;
    name?: string;
    allowedPrivateAddresses?: string[];
  }): Promise<RecordingView> {
    if (this.#current) {
      throw new SidecarError(
        'recording_busy',
        `A recording is already running (${this.#current.view.id}); stop it before starting another`,
        409,
      );
    }
    const id = randomUUID();
    const view: RecordingView = {
      id,
      name: request.name ?? `recording-${id.slice(0, 8)}`,
      url: request.url,
      state: 'starting',
      startedAt: new Date(this.#now()).toISOString(),
      display: { ...this.#deps.display },
    };
    const current: Current = { view };
    this.#current = current;
    try {
      current.session = await RecordingSession.start(this.#deps, {
        id,
        url: request.url,
        name: view.name,
        allowedPrivateAddresses: request.allowedPrivateAddresses ?? [],
      });
    } catch (error) {
      this.#current = undefined;
      throw error;
    }
    view.state = 'recording';
    view.liveView = `/recordings/${id}/vnc`;
    current.timer = setTimeout(() => {
      this.#stopCurrent('time_limit').catch((error: unknown) =>
        this.#deps.logger.error(
          { err: errorMessage(error), recording: id },
          'could not stop a recording at its time limit',
        ),
      );
    }, this.#deps.limits.maxRecordingMs);
    this.#deps.logger.info({ recording: id }, 'recording started');
    return { ...view };
  }

  list(): RecordingView[] {
    this.#prune();
    const views = [...this.#finished.values()].map((finished) => ({ ...finished.view }));
    return this.#current ? [{ ...this.#current.view }, ...views] : views;
  }

  get(id: string): RecordingView {
    this.#prune();
    const view = this.#current?.view.id === id ? this.#current.view : this.#finished.get(id)?.view;
    if (!view) throw notFound(id);
    return { ...view };
  }

  /** Stops the recording and returns its recipe; again for a stopped one (while it is kept). */
  async stop(id: string): Promise<{ recording: RecordingView; result: RecordingResult }> {
    this.#prune();
    const finished = this.#finished.get(id);
    if (finished) return { recording: { ...finished.view }, result: finished.result };
    if (this.#current?.view.id !== id) throw notFound(id);
    if (this.#current.view.state === 'starting') {
      throw new SidecarError(
        'recording_starting',
        'The recording is still starting; try again in a moment',
        409,
      );
    }
    const result = await this.#stopCurrent('request');
    return { recording: this.get(id), result };
  }

  /** Ends a recording without a recipe (or forgets a stopped one). */
  async discard(id: string): Promise<void> {
    if (this.#finished.delete(id)) return;
    const current = this.#current;
    if (current?.view.id !== id) throw notFound(id);
    if (current.view.state === 'starting') {
      throw new SidecarError(
        'recording_starting',
        'The recording is still starting; try again in a moment',
        409,
      );
    }
    clearTimeout(current.timer);
    this.#current = undefined;
    await current.session?.discard();
    this.#deps.logger.info({ recording: id }, 'recording discarded');
  }

  /** Where the live view of a running recording connects. */
  vncEndpoint(id: string): VncEndpoint {
    const current = this.#current;
    if (current?.view.id !== id || current.view.state !== 'recording' || !current.session) {
      throw new SidecarError(
        'recording_not_running',
        `Recording ${id} has no live view (it is not running)`,
        404,
      );
    }
    return current.session.vnc;
  }

  /** The browser context of the running recording, for tests that act as the owner. */
  contextOf(id: string): BrowserContext | undefined {
    return this.#current?.view.id === id ? this.#current.session?.context : undefined;
  }

  async closeAll(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    clearTimeout(current?.timer);
    await current?.session?.close();
  }

  async #stopCurrent(stoppedBy: 'request' | 'time_limit'): Promise<RecordingResult> {
    const current = this.#current;
    if (!current?.session) throw new SidecarError('recording_not_running', 'No recording is running', 409);
    if (!current.stopping) {
      clearTimeout(current.timer);
      current.view.state = 'stopping';
      const session = current.session;
      current.stopping = (async () => {
        const result = await session.finish().catch(async (error: unknown) => {
          await session.close();
          throw error;
        });
        const view: RecordingView = {
          ...current.view,
          state: 'stopped',
          stoppedAt: new Date(this.#now()).toISOString(),
          stoppedBy,
        };
        delete view.liveView;
        this.#finished.set(view.id, {
          view,
          result,
          expiresAt: this.#now() + FIXED_LIMITS.finishedRecordingRetentionMs,
        });
        this.#deps.logger.info(
          { recording: view.id, steps: result.recipe.steps.length, stoppedBy },
          'recording stopped',
        );
        return result;
      })().finally(() => {
        if (this.#current === current) this.#current = undefined;
      });
    }
    return current.stopping;
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, finished] of this.#finished) if (finished.expiresAt <= now) this.#finished.delete(id);
  }
}

function notFound(id: string): SidecarError {
  return new SidecarError('recording_not_found', `No recording ${id}`, 404);
}
