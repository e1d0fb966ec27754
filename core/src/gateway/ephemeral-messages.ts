import { sql } from 'slonik';
import { z } from 'zod';
import type { DatabasePool } from '../db/pool.ts';

const dueRow = z.object({ chat_id: z.string(), message_id: z.number() });

/** Messages the bot deletes later (the otpauth:// URI of an enrolment), remembered across restarts. */
export class EphemeralMessages {
  readonly #pool: DatabasePool;

  constructor(pool: DatabasePool) {
    this.#pool = pool;
  }

  async remember(chatId: string, messageId: number, purpose: string, deleteAfter: Date): Promise<void> {
    await this.#pool.query(sql.unsafe`
      INSERT INTO telegram_ephemeral_messages (chat_id, message_id, purpose, delete_after)
      VALUES (${chatId}, ${messageId}, ${purpose}, ${deleteAfter.toISOString()}) ON CONFLICT DO NOTHING`);
  }

  /** Makes every message of `purpose` due now (enrolment confirmed: the URI goes at once). */
  async expire(purpose: string): Promise<void> {
    await this.#pool.query(sql.unsafe`
      UPDATE telegram_ephemeral_messages SET delete_after = now() WHERE purpose = ${purpose}`);
  }

  /** Takes the messages due for deletion (each is handed out once). */
  async takeDue(now: Date): Promise<{ chatId: string; messageId: number }[]> {
    const rows = await this.#pool.any(sql.type(dueRow)`
      DELETE FROM telegram_ephemeral_messages WHERE delete_after <= ${now.toISOString()}
      RETURNING chat_id, message_id::float8 AS message_id`);
    return rows.map((row) => ({ chatId: row.chat_id, messageId: row.message_id }));
  }
}
