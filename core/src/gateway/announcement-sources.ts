import { sql } from 'slonik';
import { z } from 'zod';
import type { Announcements } from '../announcements/announcements.ts';
import type { DatabasePool } from '../db/pool.ts';

/** What the gateway needs to hear breaker changes (the skill runtime's `onBreakerChange`). */
export interface BreakerChangeSource {
  onBreakerChange(
    listener: (change: {
      skill: string;
      from: string;
      to: string;
      failures: number;
      lastError: string | null;
    }) => void,
  ): () => void;
}

/** The skill lifecycle's events (`skill.tampered`). */
export interface TamperedSource {
  on(event: 'skill.tampered', listener: (event: { name: string; reason: string }) => void): unknown;
  off(event: 'skill.tampered', listener: (event: { name: string; reason: string }) => void): unknown;
}

interface FailedRun {
  id: string;
  workflow_id: string;
  workflow_name: string;
  trigger: string;
  error_code: string | null;
  error_message: string | null;
  error_step_id: string | null;
}

/** The workflow engine's run events and runs, as far as announcements need them. */
export interface RunSource {
  events: {
    subscribe(
      runId: '*',
      listener: (event: { type: string; runId: string; status?: string; run?: FailedRun }) => void,
    ): () => void;
  };
  runs: { get(id: string): Promise<FailedRun> };
}

const MAX_ERROR_CHARS = 300;

const clip = (text: string): string =>
  text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;

/**
 * Turns in-process events of this node into announcements: circuit opened or closed, a tampered
 * skill refused, a workflow run failed (with the step and the error) or waiting for a code it was
 * not asked for from Telegram. Returns the function that unsubscribes all of them.
 */
export function announceDomainEvents(
  announcements: Announcements,
  sources: { breakers?: BreakerChangeSource; lifecycle?: TamperedSource; workflows?: RunSource },
  onError: (error: unknown) => void,
): () => void {
  const stops: (() => void)[] = [];
  if (sources.breakers) {
    stops.push(
      sources.breakers.onBreakerChange((change) => {
        if (change.to === 'open' && change.from !== 'open') {
          announcements.announce({
            kind: 'circuit_opened',
            key: change.skill,
            text: `Circuit of ${change.skill} opened after ${change.failures} failures (last: ${clip(change.lastError ?? 'unknown')}).`,
          });
        } else if (change.to === 'closed' && change.from !== 'closed') {
          announcements.announce({
            kind: 'circuit_closed',
            key: change.skill,
            text: `Circuit of ${change.skill} closed again.`,
          });
        }
      }),
    );
  }
  if (sources.lifecycle) {
    const lifecycle = sources.lifecycle;
    const onTampered = (event: { name: string; reason: string }): void =>
      announcements.announce({
        kind: 'skill_tampered',
        key: event.name,
        text: `Skill ${event.name} was not loaded: ${clip(event.reason)}. Restore the approved files or approve it again.`,
      });
    lifecycle.on('skill.tampered', onTampered);
    stops.push(() => lifecycle.off('skill.tampered', onTampered));
  }
  if (sources.workflows) {
    const workflows = sources.workflows;
    stops.push(
      workflows.events.subscribe('*', (event) => {
        if (event.type !== 'run_status' || (event.status !== 'failed' && event.status !== 'waiting_2fa'))
          return;
        const status = event.status;
        const run = event.run ? Promise.resolve(event.run) : workflows.runs.get(event.runId);
        run.then((record) => {
          if (status === 'failed') {
            const step = record.error_step_id ? ` at step ${record.error_step_id}` : '';
            const why = record.error_message ?? record.error_code ?? 'unknown error';
            announcements.announce({
              kind: 'workflow_failed',
              key: record.workflow_id,
              text: `Workflow “${record.workflow_name}” failed${step}: ${clip(why)} (run ${record.id.slice(0, 8)}).`,
            });
          } else if (record.trigger !== 'telegram') {
            announcements.announce({
              kind: 'workflow_waiting_2fa',
              key: record.workflow_id,
              text: `Workflow “${record.workflow_name}” (run ${record.id.slice(0, 8)}, ${record.trigger}) waits for a 2FA code: approve it in the admin, or send /approve ${record.id.slice(0, 8)}.`,
            });
          }
        }, onError);
      }),
    );
  }
  return () => {
    for (const stop of stops) stop();
  };
}

const missedRow = z.object({
  id: z.number(),
  workflow_id: z.string(),
  name: z.string(),
  action: z.string(),
  count: z.number(),
});
const blockedRow = z.object({
  id: z.number(),
  source: z.string().nullable(),
  seconds: z.number().nullable(),
});
const maxRow = z.object({ id: z.number() });

/**
 * Events other nodes (or this one) wrote to the database, turned into announcements by the lease
 * holder: schedule occurrences recorded as missed, and addresses blocked after wrong passwords.
 * A watermark per source makes each announced once; the first look starts from "now".
 */
export class DatabaseEventWatcher {
  readonly #pool: DatabasePool;
  readonly #announcements: Announcements;

  constructor(pool: DatabasePool, announcements: Announcements) {
    this.#pool = pool;
    this.#announcements = announcements;
  }

  async check(): Promise<void> {
    await this.#checkMissedSchedules();
    await this.#checkBlockedLogins();
  }

  async #watermark(name: string, currentMax: number): Promise<number> {
    const row = await this.#pool.maybeOneFirst(sql.type(maxRow)`
      INSERT INTO telegram_watermarks (name, last_id) VALUES (${name}, ${currentMax})
      ON CONFLICT (name) DO UPDATE SET last_id = telegram_watermarks.last_id RETURNING last_id::float8 AS id`);
    return row ?? currentMax;
  }

  async #advance(name: string, id: number): Promise<void> {
    await this.#pool.query(
      sql.unsafe`UPDATE telegram_watermarks SET last_id = GREATEST(last_id, ${id}) WHERE name = ${name}`,
    );
  }

  async #checkMissedSchedules(): Promise<void> {
    const max = await this.#pool.oneFirst(
      sql.type(maxRow)`SELECT COALESCE(max(id), 0)::float8 AS id FROM workflow_missed_ticks`,
    );
    const since = await this.#watermark('missed_ticks', max);
    if (max <= since) return;
    const rows = await this.#pool.any(sql.type(missedRow)`
      SELECT max(m.id)::float8 AS id, m.workflow_id, w.name, max(m.action) AS action, count(*)::int AS count
      FROM workflow_missed_ticks m JOIN workflows w ON w.id = m.workflow_id
      WHERE m.id > ${since} AND m.id <= ${max} GROUP BY m.workflow_id, w.name`);
    for (const row of rows) {
      const what =
        row.action === 'caught_up'
          ? 'one catch-up run was started'
          : row.action === 'suspended'
            ? 'its schedule waits for a 2FA approval'
            : 'they were skipped';
      this.#announcements.announce({
        kind: 'schedule_missed',
        key: row.workflow_id,
        text: `Workflow “${row.name}” missed ${row.count} scheduled run${row.count === 1 ? '' : 's'} while no node was up; ${what}.`,
      });
    }
    await this.#advance('missed_ticks', max);
  }

  async #checkBlockedLogins(): Promise<void> {
    const max = await this.#pool.oneFirst(
      sql.type(maxRow)`SELECT COALESCE(max(id), 0)::float8 AS id FROM audit_log`,
    );
    const since = await this.#watermark('blocked_logins', max);
    if (max <= since) return;
    const rows = await this.#pool.any(sql.type(blockedRow)`
      SELECT id::float8 AS id, source, (details->>'blockedForSeconds')::int AS seconds FROM audit_log
      WHERE id > ${since} AND id <= ${max} AND action = 'auth.login' AND reason = 'rate_limited'
        AND details ? 'blockedForSeconds'
      ORDER BY id`);
    for (const row of rows) {
      const address = row.source ?? 'an unknown address';
      const minutes = row.seconds === null ? '' : ` for ${Math.ceil(row.seconds / 60)} min`;
      this.#announcements.announce({
        kind: 'login_blocked',
        key: address,
        text: `Admin login blocked${minutes} for ${address} after too many wrong passwords.`,
      });
    }
    await this.#advance('blocked_logins', max);
  }
}
