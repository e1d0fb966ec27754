import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTalon, type Talon } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { DEFAULT_ADMIN_UI_DIR } from '@talon/core/server/admin-static.ts';
import { installResponseCheck } from '@talon/core/testing/response-check.ts';
import { createTestDatabase } from '@talon/core/testing/test-database.ts';

export const BROWSER_TEST_PASSWORD = 'browser-test password 42';
const SECRET_KEY_BASE = 'browser-test-secret-key-base-0123456789-abcdefghijklmnop';

// Every response is compared with what its handler produced: a schema that drops a field fails the test.
const CHECKED = { instrumentApp: installResponseCheck };

export interface TalonUnderTest {
  talon: Talon;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Stops Talon and starts it again on the same database and data folder (a new port: read `url` again). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Talon, as `pnpm start` runs it, listening on a free port, on a database of its own, serving
 * the built admin. `adminPassword: null` starts it without ADMIN_PASSWORD.
 */
export async function startTalonUnderTest(
  options: { adminPassword?: string | null; env?: Record<string, string> } = {},
): Promise<TalonUnderTest> {
  if (!existsSync(path.join(DEFAULT_ADMIN_UI_DIR, 'index.html'))) {
    throw new Error(`The admin is not built (${DEFAULT_ADMIN_UI_DIR}): run \`pnpm build\` first`);
  }
  const adminPassword = options.adminPassword === undefined ? BROWSER_TEST_PASSWORD : options.adminPassword;
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'talon-browser-data-'));
  try {
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        PORT: '0',
        SECRET_KEY_BASE,
        ...(adminPassword === null ? {} : { ADMIN_PASSWORD: adminPassword }),
        ...options.env,
      },
      dataDir,
    );
    const talon = await startTalon(config, undefined, CHECKED);
    const server: TalonUnderTest = {
      talon,
      url: talon.url,
      restart: async () => {
        await server.talon.stop();
        server.talon = await startTalon(config, undefined, CHECKED);
        server.url = server.talon.url;
      },
      stop: async () => {
        await server.talon.stop();
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
    return server;
  } catch (error) {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
