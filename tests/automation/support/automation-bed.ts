import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { totpCodeAt } from '@talon/core/auth/totp.ts';
import { startTalon, type Talon, type StartOptions } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import { installResponseCheck } from '@talon/core/testing/response-check.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { startTestSite, type TestSite } from '@talon/sidecar-automator/testing/test-site.ts';
import { FakeBotApi } from '../../fakes/telegram-bot-api.ts';

export const OWNER_CHAT = 424_242_915;
export const BOT_TOKEN = '7000015:AAF-automation-token_for-the-fake-bot';
export const ADMIN_PASSWORD = 'automation test password 1234';

/** The admin API over real HTTP, with the cookie and CSRF token at hand (a WebSocket needs the cookie). */
export class AdminClient {
  readonly base: string;
  cookie = '';
  csrf = '';

  constructor(base: string) {
    this.base = base;
  }

  async login(password: string): Promise<void> {
    await this.request('GET', '/api/auth/session');
    const response = await this.request('POST', '/api/auth/login', { password });
    if (response.status !== 200)
      throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  }

  async request(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown; bytes: Buffer }> {
    const response = await fetch(`${this.base}${url}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('talon_session='));
    if (setCookie) this.cookie = setCookie.split(';', 1)[0]!;
    const bytes = Buffer.from(await response.arrayBuffer());
    let parsed: unknown = null;
    if ((response.headers.get('content-type') ?? '').includes('json') && bytes.length > 0) {
      parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    }
    const csrf = (parsed as { csrfToken?: unknown } | null)?.csrfToken;
    if (typeof csrf === 'string') this.csrf = csrf;
    return { status: response.status, body: parsed, bytes };
  }

  /** A request that must answer 2xx: its body. */
  async ok<T = Record<string, unknown>>(method: string, url: string, body?: unknown): Promise<T> {
    const response = await this.request(method, url, body);
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body as T;
  }
}

export interface AutomationBed {
  talon: Talon;
  site: TestSite;
  telegram: FakeBotApi;
  admin: AdminClient;
  dataDir: string;
  /** A fresh code of the enrolled 2FA secret (codes already used are forgotten). */
  code(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A Talon as a new user starts it with the browser sidecar on (WEB_AUTOMATOR_ENABLED, on a free
 * loopback port), Telegram at a fake Bot API, the test site of the sidecar's own tests on loopback,
 * the owner logged in and 2FA enrolled.
 */
export async function startAutomationBed(options: StartOptions = {}): Promise<AutomationBed> {
  const database: TestDatabase = await createTestDatabase();
  const site = await startTestSite();
  const telegram = await FakeBotApi.start({ token: BOT_TOKEN, username: 'automation_bot' });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'talon-automation-'));
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env['TALON_TEST_LOG'] === '1' ? 'debug' : 'silent',
      SECRET_KEY_BASE: 'automation-test-secret-key-base-0123456789-abcdef',
      ADMIN_PASSWORD,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_CHAT_ID: String(OWNER_CHAT),
      TELEGRAM_API_ROOT: telegram.apiRoot,
      WEB_AUTOMATOR_ENABLED: 'true',
      WEB_AUTOMATOR_HOST: 'http://127.0.0.1:0',
    },
    dataDir,
  );
  const talon = await startTalon(config, undefined, { instrumentApp: installResponseCheck, ...options });
  const admin = new AdminClient(talon.url);
  await admin.login(ADMIN_PASSWORD);
  const { secret } = await admin.ok<{ secret: string }>('POST', '/api/auth/totp/enrol', {});
  const code = async (): Promise<string> => {
    await forgetUsedTotpCodes(talon.database.pool);
    return totpCodeAt(secret, Date.now() / 1000);
  };
  await admin.ok('POST', '/api/auth/totp/confirm', { code: await code() });
  return {
    talon,
    site,
    telegram,
    admin,
    dataDir,
    code,
    close: async () => {
      await talon.stop();
      await Promise.all([site.close(), telegram.close()]);
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
