/**
 * One-time tickets for the live view's WebSocket. The admin page asks for one (a POST, so the
 * session and its CSRF token are checked) and opens the WebSocket with it at once: a ticket is good
 * for one connection, within 60 s, from the admin session that asked, to the one recording it names.
 * Tickets live in PostgreSQL (any node can check one) as SHA-256 hashes; using one deletes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';
import { LIVE_TICKET_TTL_MS } from './limits.ts';

export type TicketRefusal = 'unknown' | 'expired' | 'other_session' | 'other_recording';

export type TicketCheck = { ok: true } | { ok: false; reason: TicketRefusal };

const ticketRow = z.object({ session_tag: z.string(), recording_id: z.string(), expires_at: z.number() });

function hashOf(ticket: string): Buffer {
  return createHash('sha256').update(`talon.live-ticket:${ticket}`, 'utf8').digest();
}

export class LiveTickets {
  readonly #pool: DatabasePool;
  readonly #now: () => number;

  constructor(pool: DatabasePool, now: () => number = Date.now) {
    this.#pool = pool;
    this.#now = now;
  }

  /** A new ticket for `recordingId`, bound to the admin session tagged `sessionTag`. */
  async issue(sessionTag: string, recordingId: string): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.#now() + LIVE_TICKET_TTL_MS);
    await this.#pool.query(sql.unsafe`
      DELETE FROM automation_live_tickets WHERE expires_at <= ${new Date(this.#now()).toISOString()}`);
    await this.#pool.query(sql.unsafe`
      INSERT INTO automation_live_tickets (ticket_hash, session_tag, recording_id, expires_at)
      VALUES (${sql.binary(hashOf(ticket))}, ${sessionTag}, ${recordingId}, ${expiresAt.toISOString()})`);
    return { ticket, expiresAt };
  }

  /**
   * Takes the ticket (deleting it, whatever the outcome: a ticket is tried once) and says whether
   * it lets this session watch this recording now.
   */
  async redeem(ticket: string, sessionTag: string, recordingId: string): Promise<TicketCheck> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(ticket)) return { ok: false, reason: 'unknown' };
    const row = await this.#pool.maybeOne(sql.type(ticketRow)`
      DELETE FROM automation_live_tickets WHERE ticket_hash = ${sql.binary(hashOf(ticket))}
      RETURNING session_tag, recording_id, expires_at`);
    if (row === null) return { ok: false, reason: 'unknown' };
    if (row.expires_at <= this.#now()) return { ok: false, reason: 'expired' };
    if (row.session_tag !== sessionTag) return { ok: false, reason: 'other_session' };
    if (row.recording_id !== recordingId) return { ok: false, reason: 'other_recording' };
    return { ok: true };
  }
}
