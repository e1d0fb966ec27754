/** Every default bound of the sidecar, with its unit, in one place; the environment may change some (config.ts). */

const MB = 1024 * 1024;

export interface SidecarLimits {
  /** A single downloaded file; larger downloads are cancelled and fail their step. */
  maxDownloadBytes: number;
  /** Everything kept under the data folder for one recipe (its replays' downloads and screenshots). */
  maxRecipeDownloadBytes: number;
  maxConcurrentReplays: number;
  /** A recording still open after this is stopped; its recipe waits to be collected. */
  maxRecordingMs: number;
  /** A replay browser unused for this long is closed (the next replay starts a new one). */
  browserIdleMs: number;
  /** A replay as a whole; a request may ask for less. */
  maxReplayMs: number;
}

export const DEFAULT_LIMITS: SidecarLimits = {
  maxDownloadBytes: 100 * MB,
  maxRecipeDownloadBytes: 1024 * MB,
  maxConcurrentReplays: 2,
  maxRecordingMs: 30 * 60_000,
  browserIdleMs: 5 * 60_000,
  maxReplayMs: 30 * 60_000,
};

/** Fixed bounds (not configurable). */
export const FIXED_LIMITS = {
  /** Request bodies: a recipe, its secrets, parameters and session state. */
  maxBodyBytes: 4 * MB,
  /** The shared token; shorter is refused at start. */
  minTokenChars: 32,
  /** How long a stopped recording's result waits to be collected. */
  finishedRecordingRetentionMs: 30 * 60_000,
  /** Live views (noVNC clients) per recording. */
  maxViewersPerRecording: 4,
  /** A scraped table: rows and characters per cell. */
  maxScrapedRows: 10_000,
  maxScrapedCellChars: 2_000,
  /** Default time a replay may take when the request does not say. */
  defaultReplayMs: 5 * 60_000,
  /** Bytes one VNC viewer may have waiting in its socket before the bridge stops reading the server. */
  maxViewerBufferedBytes: 8 * MB,
  /** How often a running download's size is checked against the caps. */
  downloadPollMs: 100,
  /** Time for child processes (Xvfb, x11vnc) to start and report ready. */
  childStartMs: 10_000,
} as const;
