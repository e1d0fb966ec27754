import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';
import type { SettingsStore } from '../settings/store.ts';

export interface SessionLimits {
  lifetimeSeconds: number;
  idleTimeoutSeconds: number;
}

/**
 * The longest a session can live, whatever the setting says: the session cookie's own encrypted
 * timestamp is refused after this long (see server/security/session-cookie.ts).
 */
export const MAX_SESSION_LIFETIME_SECONDS = 7 * 24 * 3600;
const MIN_SESSION_SECONDS = 60;

function clampSeconds(value: number): number {
  return Math.min(MAX_SESSION_LIFETIME_SECONDS, Math.max(MIN_SESSION_SECONDS, value));
}

/** Read at every request, so a changed setting applies at once, to sessions already open too. */
export function currentSessionLimits(settings: SettingsStore): SessionLimits {
  return {
    lifetimeSeconds: clampSeconds(settings.getInteger('auth.session.lifetime_seconds', 28_800)),
    idleTimeoutSeconds: clampSeconds(settings.getInteger('auth.session.idle_timeout_seconds', 3_600)),
  };
}

export interface ActiveSession {
  createdAt: Date;
  lastSeenAt: Date;
  /** When it ends unless used again: the earlier of the absolute lifetime and the idle timeout. */
  expiresAt: Date;
}

const sessionRow = z.object({ created_at: z.number(), last_seen_at: z.number() });

/** An open session as the Sessions screen lists it. */
export interface OpenSession {
  /** The SHA-256 of its id (hex): names the session without being it. */
  id: string;
  source: string;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
}

const openRow = z.object({
  id: z.string(),
  source: z.string(),
  user_agent: z.string().nullable(),
  created_at: z.number(),
  last_seen_at: z.number(),
});

/** The random id lives only in the encrypted cookie; the table keys sessions by its SHA-256. */
function hashSessionId(sessionId: string): Buffer {
  return createHash('sha256').update(sessionId, 'utf8').digest();
}

/**
 * Server-side admin sessions. The cookie is encrypted and authenticated by @fastify/secure-session,
 * but a stateless cookie cannot be revoked; this table makes logout final and enforces the absolute
 * lifetime and the idle timeout from the settings.
 */
export class AdminSessions {
  readonly #pool: DatabasePool;
  readonly #settings: SettingsStore;

  constructor(pool: DatabasePool, settings: SettingsStore) {
    this.#pool = pool;
    this.#settings = settings;
  }

  /** Opens a session and returns its id, to be stored in the (encrypted) cookie only. */
  async open(source: string, userAgent: string | undefined): Promise<string> {
    const sessionId = randomBytes(32).toString('base64url');
    await this.#pool.query(sql.unsafe`
      INSERT INTO admin_sessions (id_hash, source, user_agent)
      VALUES (${sql.binary(hashSessionId(sessionId))}, ${source}, ${userAgent?.slice(0, 300) ?? null})`);
    return sessionId;
  }

  /**
   * The session when it is open, within its lifetime and not idle for too long; otherwise ends it
   * (if it was still marked open) and returns undefined. `touch` records activity; a status probe
   * passes false so that polling "am I logged in?" does not keep an idle session alive.
   */
  async resume(sessionId: string, touch: boolean): Promise<ActiveSession | undefined> {
    const limits = currentSessionLimits(this.#settings);
    const idHash = sql.binary(hashSessionId(sessionId));
    const row = await this.#pool.maybeOne(sql.type(sessionRow)`
      UPDATE admin_sessions
      SET last_seen_at = CASE WHEN ${touch} THEN now() ELSE last_seen_at END
      WHERE id_hash = ${idHash} AND ended_at IS NULL
        AND created_at > now() - make_interval(secs => ${limits.lifetimeSeconds})
        AND last_seen_at > now() - make_interval(secs => ${limits.idleTimeoutSeconds})
      RETURNING created_at, last_seen_at`);
    if (!row) {
      await this.#pool.query(sql.unsafe`
        UPDATE admin_sessions
        SET ended_at = now(),
            end_reason = CASE WHEN created_at <= now() - make_interval(secs => ${limits.lifetimeSeconds})
                              THEN 'expired' ELSE 'idle' END
        WHERE id_hash = ${idHash} AND ended_at IS NULL`);
      return undefined;
    }
    const expiresAt = Math.min(
      row.created_at + limits.lifetimeSeconds * 1000,
      row.last_seen_at + limits.idleTimeoutSeconds * 1000,
    );
    return {
      createdAt: new Date(row.created_at),
      lastSeenAt: new Date(row.last_seen_at),
      expiresAt: new Date(expiresAt),
    };
  }

  /** The hex id (as `list` names it) of the session whose cookie holds `sessionId`. */
  static idOf(sessionId: string): string {
    return hashSessionId(sessionId).toString('hex');
  }

  /** Open sessions (within their lifetime and idle timeout), the most recently used first. */
  async list(): Promise<OpenSession[]> {
    const limits = currentSessionLimits(this.#settings);
    const rows = await this.#pool.any(sql.type(openRow)`
      SELECT encode(id_hash, 'hex') AS id, source, user_agent, created_at, last_seen_at FROM admin_sessions
      WHERE ended_at IS NULL
        AND created_at > now() - make_interval(secs => ${limits.lifetimeSeconds})
        AND last_seen_at > now() - make_interval(secs => ${limits.idleTimeoutSeconds})
      ORDER BY last_seen_at DESC`);
    return rows.map((row) => ({
      id: row.id,
      source: row.source,
      userAgent: row.user_agent,
      createdAt: new Date(row.created_at),
      lastSeenAt: new Date(row.last_seen_at),
    }));
  }

  /** Ends the session named by its hex id (the owner ended it); false when it was not open. */
  async endById(id: string, reason: 'ended_by_owner'): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(id)) return false;
    const result = await this.#pool.query(sql.unsafe`
      UPDATE admin_sessions SET ended_at = now(), end_reason = ${reason}
      WHERE id_hash = decode(${id}, 'hex') AND ended_at IS NULL`);
    return result.rowCount === 1;
  }

  /** Ends every open session but the one whose cookie holds `keepSessionId`; answers how many ended. */
  async endAllBut(keepSessionId: string, reason: 'ended_by_owner'): Promise<number> {
    const result = await this.#pool.query(sql.unsafe`
      UPDATE admin_sessions SET ended_at = now(), end_reason = ${reason}
      WHERE ended_at IS NULL AND id_hash <> ${sql.binary(hashSessionId(keepSessionId))}`);
    return result.rowCount;
  }

  async end(sessionId: string, reason: 'logout' | 'replaced'): Promise<void> {
    await this.#pool.query(sql.unsafe`
      UPDATE admin_sessions SET ended_at = now(), end_reason = ${reason}
      WHERE id_hash = ${sql.binary(hashSessionId(sessionId))} AND ended_at IS NULL`);
  }

  /** Open sessions right now (for /metrics). */
  async countOpen(): Promise<number> {
    const limits = currentSessionLimits(this.#settings);
    const row = await this.#pool.one(sql.type(z.object({ open: z.number() }))`
      SELECT count(*)::int AS open FROM admin_sessions
      WHERE ended_at IS NULL
        AND created_at > now() - make_interval(secs => ${limits.lifetimeSeconds})
        AND last_seen_at > now() - make_interval(secs => ${limits.idleTimeoutSeconds})`);
    return row.open;
  }
}
