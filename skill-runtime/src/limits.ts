/**
 * Every limit of the skill runtime, each defined once, with its unit and why. Talon's runtime, the
 * SDK's `talon-skill run` and its test harness all read them from here, so a skill meets the same
 * limits everywhere. The limits table of `sandbox/README.md` is checked against this file by
 * `limits.test.ts`: change a value here and the README must follow.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** What one call of a skill may use: defaults, and the maxima a manifest's `limits` may ask for. */
export interface RuntimeLimits {
  /** Isolate heap, MB (isolated-vm `memoryLimit`). */
  defaultMemoryMb: number;
  maxMemoryMb: number;
  /** CPU time of one call inside the isolate, ms. */
  defaultCpuTimeoutMs: number;
  maxCpuTimeoutMs: number;
  /** Wall-clock time of one call, waits on the host included, ms. */
  defaultWallTimeoutMs: number;
  maxWallTimeoutMs: number;
  /** Largest result (and input plus config) in characters of JSON. */
  resultMaxChars: number;
  /** SkillAPI calls one run may make. */
  apiCallsPerRun: number;
  /** SkillAPI calls of one run that may wait on the host at the same time. */
  apiConcurrentPerRun: number;
  /** SkillAPI calls per second per skill, across its runs. */
  apiCallsPerSecond: number;
  /** How deep `skills.invoke` may nest (a skill that invokes one that invokes one …). */
  maxChainDepth: number;
}

export const RUNTIME_LIMITS: RuntimeLimits = {
  defaultMemoryMb: 64,
  // Beyond this a skill is not "small"; the worker's RSS watch adds its overhead on top.
  maxMemoryMb: 256,
  defaultCpuTimeoutMs: 5_000,
  maxCpuTimeoutMs: 60_000,
  defaultWallTimeoutMs: 30_000,
  maxWallTimeoutMs: 300_000,
  resultMaxChars: 1 * MiB,
  apiCallsPerRun: 1_000,
  apiConcurrentPerRun: 16,
  apiCallsPerSecond: 100,
  maxChainDepth: 3,
};

/** `storage.*`: a small key-value store per skill, not a database. */
export interface StorageLimits {
  /** Characters of a key. */
  maxKeyChars: number;
  /** Bytes of one value's JSON. */
  maxValueBytes: number;
  /** Bytes of all of one skill's values. */
  maxTotalBytes: number;
  /** Keys one skill may keep. */
  maxKeys: number;
}

export const STORAGE_LIMITS: StorageLimits = {
  maxKeyChars: 200,
  maxValueBytes: 64 * KiB,
  maxTotalBytes: 1 * MiB,
  maxKeys: 1_000,
};

/** `http.fetch`: bounded in size and time so a skill cannot make the host hold much or wait long. */
export interface HttpLimits {
  /** Bytes of a response body; more is an error, never silently cut. */
  maxResponseBytes: number;
  /** Bytes of a request body. */
  maxRequestBytes: number;
  /** One deadline for the whole request, redirects and body included, ms. */
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  maxRedirects: number;
  /** Headers a skill may set on one request. */
  maxHeaders: number;
  /** Characters of a header value, and of a URL. */
  maxHeaderValueChars: number;
  maxUrlChars: number;
}

export const HTTP_LIMITS: HttpLimits = {
  maxResponseBytes: 1 * MiB,
  maxRequestBytes: 256 * KiB,
  defaultTimeoutMs: 10_000,
  maxTimeoutMs: 30_000,
  maxRedirects: 5,
  maxHeaders: 50,
  maxHeaderValueChars: 8_000,
  maxUrlChars: 8_000,
};

/** `log.*`: a skill writes to Talon's log, which must stay readable and bounded. */
export const LOG_LIMITS = {
  /** Characters of one message. */
  maxMessageChars: 2_000,
  /** Characters of one line's fields, as JSON. */
  maxFieldsChars: 4_000,
  /** Lines one run may write. */
  maxLinesPerRun: 200,
} as const;

/** What the host reads of a skill package before any of its code runs. */
export const PACKAGE_LIMITS = {
  /** Bytes of `skill.json`. */
  maxManifestBytes: 256 * KiB,
  /** Bytes of `index.js`; a bundle bigger than this is almost certainly carrying something it should not. */
  maxBundleBytes: 2 * MiB,
  /** Bytes of a manifest's `configSchema` (as JSON): a schema, not a program. */
  maxConfigSchemaBytes: 64 * KiB,
  /** Nesting of objects and arrays in a `configSchema`: deeper only slows its compilation. */
  maxConfigSchemaDepth: 32,
} as const;

/** The SkillAPI gate. */
export const GATE_LIMITS = {
  /** SkillAPI calls kept in a run's `apiCalls` record; the rest are counted, not listed. */
  maxRecordsPerRun: 200,
} as const;

/** The circuit breaker of each skill. */
export const BREAKER_LIMITS = {
  /** Failures in a row that open a skill's circuit (AlexClaw's number). */
  maxFailures: 3,
  /** Seconds an open circuit waits before one probe call (setting `skills.circuit_breaker.cooldown_seconds`). */
  defaultCooldownSeconds: 300,
} as const;

/** Sandbox worker processes: placement, supervision and the IPC channel. */
export const SANDBOX_LIMITS = {
  /** Workers started ahead with isolated-vm loaded, so placing a skill costs no process start. */
  spareWorkers: 1,
  /** A skill's worker with no call for this long is stopped (ms); the next call places it again. */
  idleWorkerMs: 120_000,
  /** Resident memory a worker may use beyond its isolate's limit (Node itself, isolated-vm, code), MB. */
  workerOverheadMb: 96,
  /** How often a busy worker's resident memory is read (ms). */
  memoryPollMs: 25,
  /** A call running longer than this (ms) drops its worker to the lowest priority … */
  slowCallMs: 50,
  /** … until this long (ms) after its last slow call. */
  stayLowMs: 1_000,
  /** The niceness of a worker with a slow call. */
  lowestNiceness: 19,
  /** A spare runs this much nicer than placed workers, so starting Node does not compete with calls. */
  spareNicenessOffset: 5,
  /** After a spare is taken, the next one is forked this much later (ms), off the load it serves. */
  spareRefillDelayMs: 100,
  /** Calls a newly placed or upgraded skill completes alone, none killed, before it may share a worker. */
  probationCalls: 20,
  /** How long a skill whose call had to be killed runs in a worker of its own again (ms). */
  cooldownMs: 600_000,
  /** Skills one shared worker holds at most (each in an isolate of its own). */
  maxSkillsPerWorker: 16,
  /** Characters of a worker's stderr kept to explain how it died. */
  stderrTailChars: 2_000,
  /** Characters of one string in a message from a worker (a result, API arguments). */
  maxIpcStringChars: 4 * MiB,
  /** Bytes of one frame on the host ↔ worker channel; a larger one kills the worker unread. */
  maxIpcFrameBytes: 16 * MiB,
  /** Characters of an error message a worker sends (longer: the worker is killed as malformed). */
  maxIpcErrorChars: 10_000,
  /** Characters an error message is cut to inside the isolate and the worker. */
  maxErrorMessageChars: 2_000,
} as const;
