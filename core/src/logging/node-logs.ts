import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { errorMessage } from '../errors.ts';
import {
  LOG_LEVELS,
  LOG_RING_LINES,
  matchesFilter,
  type LogFilter,
  type LogLine,
  type LogRing,
} from './log-ring.ts';

/** How often a node writes its new log lines for the other nodes' Logs screens (milliseconds). */
export const LOG_SHIP_INTERVAL_MS = 2_000;
/** Lines written per round at most; a burst beyond it is summed up in one line. */
export const LOG_SHIP_MAX_LINES = 500;
/** A node silent this long is no longer offered in the node picker (hours). */
export const LOG_NODE_FORGET_HOURS = 24;

const lineRow = z.object({ id: z.number(), at: z.number(), level: z.number(), line: z.string() });
const nodeRow = z.object({ node: z.string(), last_at: z.number() });

export interface LogNode {
  node: string;
  lastAt: string;
}

/**
 * The recent log lines of every node, in PostgreSQL: each node ships what its ring buffer got every
 * couple of seconds and keeps only its last lines there, so the Logs screen of any node can show
 * another's (the node picker). The node serving the page reads its own lines from memory.
 */
export class NodeLogs {
  readonly #pool: DatabasePool;
  readonly #node: string;
  readonly #ring: LogRing;
  #shippedSeq = 0;
  #timer: NodeJS.Timeout | undefined;
  #shipping: Promise<void> = Promise.resolve();

  constructor(pool: DatabasePool, node: string, ring: LogRing) {
    this.#pool = pool;
    this.#node = node;
    this.#ring = ring;
  }

  get node(): string {
    return this.#node;
  }

  get ring(): LogRing {
    return this.#ring;
  }

  start(intervalMs = LOG_SHIP_INTERVAL_MS): void {
    this.#timer = setInterval(() => void this.ship(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.ship();
  }

  /** Writes the lines logged since the last round, and forgets this node's older ones. */
  ship(): Promise<void> {
    this.#shipping = this.#shipping.then(async () => {
      const fresh = this.#ring.lines({}, Number.MAX_SAFE_INTEGER, this.#shippedSeq);
      if (fresh.length === 0) return;
      this.#shippedSeq = fresh.at(-1)!.seq;
      const skipped = fresh.length - LOG_SHIP_MAX_LINES;
      const rows = fresh
        .slice(-LOG_SHIP_MAX_LINES)
        .map((line) => ({ at: line.at, level: line.level, line: line.line }));
      if (skipped > 0) {
        rows.unshift({
          at: fresh[0]!.at,
          level: LOG_LEVELS.warn,
          line: JSON.stringify({
            level: LOG_LEVELS.warn,
            time: fresh[0]!.at,
            msg: `${skipped} log lines not shipped (a burst)`,
          }),
        });
      }
      try {
        await this.#pool.query(sql.unsafe`
          INSERT INTO node_log_lines (node, at, level, line)
          SELECT ${this.#node}, r.at, r.level, r.line
          FROM jsonb_to_recordset(${sql.jsonb(rows)}) AS r (at timestamptz, level smallint, line text)`);
        await this.#pool.query(sql.unsafe`
          DELETE FROM node_log_lines WHERE node = ${this.#node} AND id <= (
            SELECT id FROM node_log_lines WHERE node = ${this.#node} ORDER BY id DESC OFFSET ${LOG_RING_LINES} LIMIT 1)`);
        await this.#pool.query(sql.unsafe`
          DELETE FROM node_log_lines WHERE at < now() - make_interval(hours => ${LOG_NODE_FORGET_HOURS})`);
      } catch (error) {
        // Not logged: a log line about failing to ship log lines would be shipped next round, and so on.
        process.emitWarning(`talon: could not ship log lines: ${errorMessage(error)}`);
      }
    });
    return this.#shipping;
  }

  /** This node and every other that logged lately, this node first. */
  async nodes(): Promise<LogNode[]> {
    const rows = await this.#pool.any(sql.type(nodeRow)`
      SELECT node, max(at) AS last_at FROM node_log_lines GROUP BY node ORDER BY node`);
    const others = rows
      .filter((row) => row.node !== this.#node)
      .map((row) => ({ node: row.node, lastAt: new Date(row.last_at).toISOString() }));
    const last = this.#ring.lines({}, 1)[0];
    return [{ node: this.#node, lastAt: last?.at ?? new Date().toISOString() }, ...others];
  }

  /**
   * Lines of a node after `afterSeq`, oldest first, at most `limit`: this node's from memory, another
   * node's from the database (its `seq` is the row id there).
   */
  async lines(node: string, filter: LogFilter, limit: number, afterSeq = 0): Promise<LogLine[]> {
    if (node === this.#node) return this.#ring.lines(filter, limit, afterSeq);
    const conditions = [sql.fragment`node = ${node}`, sql.fragment`id > ${afterSeq}`];
    if (filter.minLevel !== undefined) conditions.push(sql.fragment`level >= ${filter.minLevel}`);
    if (filter.text) conditions.push(sql.fragment`strpos(lower(line), ${filter.text.toLowerCase()}) > 0`);
    const rows = await this.#pool.any(sql.type(lineRow)`
      SELECT id::float8 AS id, at, level, line FROM node_log_lines
      WHERE ${sql.join(conditions, sql.fragment` AND `)}
      ORDER BY id DESC LIMIT ${limit}`);
    return rows
      .map((row) => ({ seq: row.id, at: new Date(row.at).toISOString(), level: row.level, line: row.line }))
      .filter((line) => matchesFilter(line, filter))
      .reverse();
  }
}
