import pg from 'pg';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { SETTINGS_CHANNEL, type SettingsNotification, type SettingsStore } from './store.ts';

export interface SettingsChangeListener {
  close(): Promise<void>;
}

const RECONNECT_DELAY_MS = 2_000;

function parseNotification(payload: string | undefined): SettingsNotification | undefined {
  try {
    const parsed = JSON.parse(payload ?? '') as Partial<SettingsNotification>;
    return typeof parsed.node === 'string' && typeof parsed.key === 'string'
      ? { node: parsed.node, key: parsed.key }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps this node's settings cache in step with other nodes on the same database: PostgreSQL
 * LISTEN/NOTIFY carries the key that changed (never its value) and this node re-reads that row.
 * The connection is re-established after a failure.
 */
export async function listenForSettingChanges(
  databaseUrl: string,
  store: SettingsStore,
  logger: Logger,
): Promise<SettingsChangeListener> {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl });
    next.on('notification', (message) => {
      const notification = parseNotification(message.payload);
      if (!notification || notification.node === store.nodeId) return;
      store.refreshKey(notification.key).catch((error: unknown) => {
        logger.error(
          { key: notification.key, reason: errorMessage(error) },
          'could not refresh a changed setting',
        );
      });
    });
    next.on('error', (error) => {
      logger.warn({ reason: errorMessage(error) }, 'settings change listener lost its connection');
      next.end().catch(() => undefined);
      if (client === next) client = undefined;
      scheduleReconnect();
    });
    await next.connect();
    await next.query(`LISTEN ${SETTINGS_CHANNEL}`);
    client = next;
  };

  const scheduleReconnect = (): void => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect()
        .then(() => store.reload())
        .catch(() => scheduleReconnect());
    }, RECONNECT_DELAY_MS);
    retry.unref();
  };

  await connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
