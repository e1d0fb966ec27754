/**
 * Every limit of the shell, once, with its unit and why. The owner's settings (`shell.*`) are read
 * on every run; these are the fixed bounds around them.
 */

/** A command line: AlexClaw's chat messages were never longer, and the SkillAPI takes no more. */
export const COMMAND_MAX_CHARS = 4_000;
/** Arguments after the program: a diagnostic never needs more. */
export const COMMAND_MAX_ARGS = 64;

/** A whitelist entry (one line of the editor). */
export const ENTRY_MAX_CHARS = 500;
/** Entries in `shell.whitelist`. */
export const WHITELIST_MAX_ENTRIES = 200;
/** Values of one `<enum ...>`. */
export const ENUM_MAX_VALUES = 50;
/** Digits of a bound of `<int A-B>` (keeps every bound a safe integer). */
export const INT_MAX_DIGITS = 9;

/** `shell.timeout_seconds`: default (AlexClaw's) and bounds; the shell skill's own wall deadline is 300 s. */
export const TIMEOUT_SECONDS = { default: 30, min: 1, max: 290 } as const;
/** `shell.max_output_chars`: default (AlexClaw's) and bounds; Telegram shows at most 4,096 a message. */
export const MAX_OUTPUT_CHARS = { default: 4_000, min: 100, max: 100_000 } as const;
/**
 * Bytes read from a command's stdout and stderr together before the rest is discarded unread into
 * the cap: at 4 bytes a character this always covers `MAX_OUTPUT_CHARS.max`, and memory stays bounded
 * whatever a command prints (the pipe is still drained, so the command never blocks on it).
 */
export const OUTPUT_MAX_BYTES = 4 * MAX_OUTPUT_CHARS.max;

/** How long a one-time approval (a code given in Telegram or the admin) waits for its run to start. */
export const APPROVAL_TTL_MS = 60_000;
/** How long the isolation probe may take at start. */
export const PROBE_TIMEOUT_MS = 10_000;
