import pg from 'pg';
import { sql, type DatabasePool } from 'slonik';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';

const CHANNEL = 'talon_workflow_run_cancel';

/**
 * Cancellation across nodes: a cancel is a PostgreSQL NOTIFY; every node LISTENs and stops the run if
 * it executes it. (The status is set to `cancelled` in the database first, so a node that misses the
 * notice still cannot end the run any other way.)
 */
export class CancelChannel {
  readonly #url: string;
  readonly #logger: Logger;
  #client: pg.Client | undefined;

  constructor(databaseUrl: string, logger: Logger) {
    this.#url = databaseUrl;
    this.#logger = logger;
  }

  async listen(onCancel: (runId: string) => void): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    client.on('error', (error) =>
      this.#logger.warn({ reason: errorMessage(error) }, 'cancel listener connection failed'),
    );
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) onCancel(message.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.#client = client;
  }

  static async notify(pool: DatabasePool, runId: string): Promise<void> {
    await pool.query(sql.unsafe`SELECT pg_notify(${CHANNEL}, ${runId})`);
  }

  async close(): Promise<void> {
    await this.#client?.end().catch(() => undefined);
    this.#client = undefined;
  }
}
