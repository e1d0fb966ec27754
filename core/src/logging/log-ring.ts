import type { DestinationStream } from 'pino';

/** Lines of this node's log kept in memory for the Logs screen (AlexClaw kept 500). */
export const LOG_RING_LINES = 1_000;

/** pino's numeric levels, by name. */
export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

export interface LogLine {
  /** This node's line number since it started (the live view resumes after it). */
  seq: number;
  /** ISO 8601. */
  at: string;
  level: number;
  /** The line as the log wrote it (JSON, secrets already redacted by pino). */
  line: string;
}

export function levelName(level: number): LogLevelName {
  const names = Object.entries(LOG_LEVELS) as [LogLevelName, number][];
  return names.reduce<LogLevelName>((found, [name, value]) => (level >= value ? name : found), 'trace');
}

export interface LogFilter {
  /** Lines at this level and above. */
  minLevel?: number | undefined;
  /** Lines containing this text, ignoring case. */
  text?: string | undefined;
}

export function matchesFilter(line: Pick<LogLine, 'level' | 'line'>, filter: LogFilter): boolean {
  if (filter.minLevel !== undefined && line.level < filter.minLevel) return false;
  if (filter.text && !line.line.toLowerCase().includes(filter.text.toLowerCase())) return false;
  return true;
}

/**
 * The last lines this node logged, in memory. It is a pino destination: lines reach it after pino's
 * redaction (logging/logger.ts REDACTED_PATHS), exactly as they reach standard output, and it passes
 * each line on to the next destination. Listeners see each line as it is written (the live view).
 */
export class LogRing implements DestinationStream {
  readonly #lines: LogLine[] = [];
  readonly #capacity: number;
  readonly #next: DestinationStream | undefined;
  readonly #listeners = new Set<(line: LogLine) => void>();
  #seq = 0;

  constructor(options: { capacity?: number; next?: DestinationStream } = {}) {
    this.#capacity = options.capacity ?? LOG_RING_LINES;
    this.#next = options.next;
  }

  write(text: string): void {
    this.#next?.write(text);
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      let level: number = LOG_LEVELS.info;
      let at = new Date().toISOString();
      try {
        const parsed = JSON.parse(raw) as { level?: unknown; time?: unknown };
        if (typeof parsed.level === 'number') level = parsed.level;
        if (typeof parsed.time === 'string') at = parsed.time;
        else if (typeof parsed.time === 'number') at = new Date(parsed.time).toISOString();
      } catch {
        // Not JSON (a pretty-printed line): kept as it is, at info.
      }
      this.#seq += 1;
      const line: LogLine = { seq: this.#seq, at, level, line: raw };
      this.#lines.push(line);
      if (this.#lines.length > this.#capacity) this.#lines.shift();
      for (const listener of this.#listeners) listener(line);
    }
  }

  /** The kept lines after `afterSeq` that pass the filter, oldest first, at most `limit` (the newest). */
  lines(filter: LogFilter = {}, limit = this.#capacity, afterSeq = 0): LogLine[] {
    return this.#lines.filter((line) => line.seq > afterSeq && matchesFilter(line, filter)).slice(-limit);
  }

  /** The last line number written (0 before the first). */
  get lastSeq(): number {
    return this.#seq;
  }

  subscribe(listener: (line: LogLine) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
