import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';
import { CHALLENGE_MAX_WRONG_CODES } from './limits.ts';

type Scalar = string | number | boolean | null;

/** The exact action a challenge approves: a kind (`workflow.run`, `totp.disable`…) and its arguments. */
export interface ChallengeAction {
  kind: string;
  args: { [key: string]: Scalar };
}

export interface Challenge {
  id: string;
  chatId: string;
  action: ChallengeAction;
  actionHash: string;
  description: string;
  wrongCodes: number;
  expiresAt: Date;
}

const challengeRow = z.object({
  id: z.string(),
  chat_id: z.string(),
  kind: z.string(),
  action: z.custom<ChallengeAction['args']>((value) => typeof value === 'object' && value !== null),
  action_hash: z.string(),
  description: z.string(),
  wrong_codes: z.number(),
  expires_at: z.number(),
});

/** SHA-256 over the action's kind and its arguments in key order: what a code is bound to. */
export function hashAction(action: ChallengeAction): string {
  const args = Object.keys(action.args)
    .sort()
    .map((key) => [key, action.args[key] ?? null]);
  return createHash('sha256')
    .update(JSON.stringify([action.kind, args]))
    .digest('hex');
}

export type WrongCodeOutcome = { cancelled: false; attemptsLeft: number } | { cancelled: true };

/**
 * Pending 2FA challenges, one per chat, in PostgreSQL: they survive a restart and a change of the
 * polling node. Creating one replaces the chat's previous one (as AlexClaw does); taking one for a
 * code deletes it in the same statement, so one challenge approves one action once.
 */
export class ChallengeStore {
  readonly #pool: DatabasePool;
  readonly #now: () => number;

  constructor(pool: DatabasePool, now: () => number = Date.now) {
    this.#pool = pool;
    this.#now = now;
  }

  async open(
    chatId: string,
    action: ChallengeAction,
    description: string,
    expiresAt: Date,
  ): Promise<Challenge> {
    const challenge: Challenge = {
      id: randomUUID(),
      chatId,
      action,
      actionHash: hashAction(action),
      description,
      wrongCodes: 0,
      expiresAt,
    };
    await this.#pool.query(sql.unsafe`
      INSERT INTO telegram_challenges (chat_id, id, kind, action, action_hash, description, expires_at)
      VALUES (${chatId}, ${challenge.id}, ${action.kind}, ${sql.jsonb(action.args)}, ${challenge.actionHash},
              ${description}, ${expiresAt.toISOString()})
      ON CONFLICT (chat_id) DO UPDATE SET id = EXCLUDED.id, kind = EXCLUDED.kind, action = EXCLUDED.action,
        action_hash = EXCLUDED.action_hash, description = EXCLUDED.description, wrong_codes = 0,
        created_at = now(), expires_at = EXCLUDED.expires_at`);
    return challenge;
  }

  /** The chat's challenge, expired or not; undefined when there is none. */
  async pending(chatId: string): Promise<Challenge | undefined> {
    const row = await this.#pool.maybeOne(sql.type(challengeRow)`
      SELECT id, chat_id, kind, action, action_hash, description, wrong_codes, expires_at
      FROM telegram_challenges WHERE chat_id = ${chatId}`);
    return row ? this.#challenge(row) : undefined;
  }

  isExpired(challenge: Challenge): boolean {
    return challenge.expiresAt.getTime() <= this.#now();
  }

  /**
   * Removes exactly this challenge (by id), answering whether it was still there: the one caller
   * that gets `true` executes the action; a second code for the same challenge finds nothing.
   */
  async take(challenge: Challenge): Promise<boolean> {
    const row = await this.#pool.maybeOne(sql.unsafe`
      DELETE FROM telegram_challenges WHERE chat_id = ${challenge.chatId} AND id = ${challenge.id} RETURNING id`);
    return row !== null;
  }

  /** Counts a wrong code; the last allowed one cancels the challenge. */
  async wrongCode(challenge: Challenge): Promise<WrongCodeOutcome> {
    const wrong = await this.#pool.maybeOneFirst(sql.type(z.object({ wrong_codes: z.number() }))`
      UPDATE telegram_challenges SET wrong_codes = wrong_codes + 1
      WHERE chat_id = ${challenge.chatId} AND id = ${challenge.id} RETURNING wrong_codes`);
    if (wrong === null || wrong >= CHALLENGE_MAX_WRONG_CODES) {
      await this.take(challenge);
      return { cancelled: true };
    }
    return { cancelled: false, attemptsLeft: CHALLENGE_MAX_WRONG_CODES - wrong };
  }

  #challenge(row: z.infer<typeof challengeRow>): Challenge {
    return {
      id: row.id,
      chatId: row.chat_id,
      action: { kind: row.kind, args: row.action },
      actionHash: row.action_hash,
      description: row.description,
      wrongCodes: row.wrong_codes,
      expiresAt: new Date(row.expires_at),
    };
  }
}
