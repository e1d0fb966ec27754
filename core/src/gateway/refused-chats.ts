import { sql } from 'slonik';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { DatabasePool } from '../db/pool.ts';
import { REFUSED_AUDITS_PER_MINUTE, REFUSED_CHATS_LISTED } from './limits.ts';
import type { SendWindow } from './send-window.ts';

const refusedRow = z.object({
  chat_id: z.string(),
  chat_type: z.string(),
  count: z.number(),
  last_at: z.number(),
});

export interface RefusedChat {
  chatId: string;
  chatType: string;
  count: number;
  lastAt: string;
}

/**
 * Chats the gateway refused: a counter per chat id (for the admin, so the owner can find their own
 * id) and an audit entry at most once a minute per chat, so a flood cannot fill the audit log.
 * Never the message's content.
 */
export class RefusedChats {
  readonly #pool: DatabasePool;
  readonly #audit: AuditLog;
  readonly #window: SendWindow;

  constructor(pool: DatabasePool, audit: AuditLog, window: SendWindow) {
    this.#pool = pool;
    this.#audit = audit;
    this.#window = window;
  }

  async record(chatId: string, chatType: string): Promise<void> {
    const count = await this.#pool.oneFirst(sql.type(z.object({ count: z.number() }))`
      INSERT INTO telegram_refused_chats (chat_id, chat_type) VALUES (${chatId}, ${chatType})
      ON CONFLICT (chat_id) DO UPDATE SET count = telegram_refused_chats.count + 1, last_at = now(),
        chat_type = EXCLUDED.chat_type
      RETURNING count::float8 AS count`);
    if (await this.#window.take(`refused:${chatId}`, REFUSED_AUDITS_PER_MINUTE)) {
      await this.#audit.record({
        actor: `telegram:${chatId}`,
        action: 'telegram.message',
        outcome: 'denied',
        reason: 'not_the_owner',
        source: chatId,
        details: { chatType, refusedSoFar: count },
      });
    }
  }

  async recent(limit = REFUSED_CHATS_LISTED): Promise<RefusedChat[]> {
    const rows = await this.#pool.any(sql.type(refusedRow)`
      SELECT chat_id, chat_type, count::float8 AS count, last_at FROM telegram_refused_chats ORDER BY last_at DESC LIMIT ${limit}`);
    return rows.map((row) => ({
      chatId: row.chat_id,
      chatType: row.chat_type,
      count: row.count,
      lastAt: new Date(row.last_at).toISOString(),
    }));
  }
}
