/**
 * Every limit of the core's side of the browser sidecar, once, with its unit and why. The owner's
 * settings (`web_automator.*`) are read when they are used; these are the fixed bounds around them.
 */

/** A live-view ticket: long enough for the admin page to open the WebSocket, short enough to be useless later. */
export const LIVE_TICKET_TTL_MS = 60_000;

/** How long the sidecar may take to print "sidecar listening" before the start counts as failed. */
export const SIDECAR_READY_TIMEOUT_MS = 30_000;
/** SIGTERM, then this long to close recordings and browsers, then SIGKILL. */
export const SIDECAR_STOP_GRACE_MS = 10_000;
/** Restart backoff after the sidecar dies: first wait, doubled each time, capped. */
export const SIDECAR_RESTART_BACKOFF_MS = { first: 1_000, max: 60_000 } as const;
/** A sidecar that stayed up this long is healthy again: the next death restarts it after the first wait. */
export const SIDECAR_HEALTHY_AFTER_MS = 60_000;

/** Ordinary requests to the sidecar (health, recordings, files); a replay gets its own timeout plus this. */
export const SIDECAR_REQUEST_TIMEOUT_MS = 30_000;
/** Stopping a recording closes a headed browser and builds the draft: allow for it. */
export const SIDECAR_STOP_RECORDING_TIMEOUT_MS = 60_000;

/** `web_automator.replay_timeout_seconds`: the sidecar's own default and bounds (5 min, at most 30). */
export const REPLAY_TIMEOUT_SECONDS = { default: 300, min: 10, max: 1_800 } as const;
/** `web_automator.max_download_mb`: one downloaded file (the 100 MB by default). */
export const MAX_DOWNLOAD_MB = { default: 100, min: 1, max: 10_000 } as const;
/** `web_automator.max_recipe_downloads_mb`: files kept for one recipe (1 GB by default). */
export const MAX_RECIPE_DOWNLOADS_MB = { default: 1_024, min: 1, max: 100_000 } as const;
/** `web_automator.max_replays`: replays at once per sidecar (the 2 by default). */
export const MAX_REPLAYS = { default: 2, min: 1, max: 16 } as const;

/** Replays remembered per recipe (with their files, within the recipe's quota); older ones are pruned. */
export const RUNS_KEPT_PER_RECIPE = 50;
/** Characters of a scraped table's preview in a Telegram reply. */
export const TELEGRAM_PREVIEW_CHARS = 1_500;
/** Recipes `/automations` lists. */
export const TELEGRAM_LIST_MAX = 30;
/** Telegram's own limit for a file a bot uploads (bytes): "up to 50 MB" (core.telegram.org/bots/api#senddocument). */
export const TELEGRAM_DOCUMENT_MAX_BYTES = 50 * 1024 * 1024;
/** Downloads a `/replay` report sends as documents; the rest are named, to be fetched from the admin. */
export const TELEGRAM_FILES_PER_REPORT = 10;
