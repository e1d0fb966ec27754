import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { totpCodeAt } from '@talon/core/auth/totp.ts';
import { startTalon, type Talon } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { installResponseCheck } from '@talon/core/testing/response-check.ts';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { DEFAULT_CORE_SKILLS_DIR } from '@talon/core/skills/core-skills.ts';
import { startFakeOpenAi } from '../../fakes/llm/openai.ts';
import type { FakeLlmServer } from '../../fakes/llm/fake-llm-server.ts';
import { FakeBotApi } from '../../fakes/telegram-bot-api.ts';
import { FakeWeb } from '../../fakes/web.ts';
import { AdminHttp } from '../../telegram/support/admin-http.ts';

export const OWNER_CHAT = 424_242_777;
export const BOT_TOKEN = '7000002:AAF-core-skills-token_for-the-fake-bot';
export const OPENAI_KEY = 'sk-core-skills-test-key-0123456789';
export const OPENAI_MODEL = 'gpt-fake-digest';
const ADMIN_PASSWORD = 'core skills test password 1234';

export interface CoreSkillsBed {
  talon: Talon;
  admin: AdminHttp;
  openai: FakeLlmServer;
  telegram: FakeBotApi;
  web: FakeWeb;
  /** A fresh code of the enrolled 2FA secret (codes already used in this test are forgotten). */
  code(): Promise<string>;
  /** An admin request that must answer 2xx; its body. */
  ok<T = Record<string, unknown>>(method: string, url: string, body?: unknown): Promise<T>;
  /**
   * A copy of a core skill (its very index.js) loaded as an owner skill under another name, whose
   * `net` names the fake web's loopback address: `*` never reaches loopback, so this is how a test
   * lets the skill's own code fetch from a local fake.
   */
  loadLoopbackCopy(core: string, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Talon as a new user starts it (`startTalon`, with the response check on every route), on a
 * database of its own, with `OPENAI_BASE_URL`/`OPENAI_API_KEY`/`OPENAI_MODEL` pointing at a fake
 * OpenAI, Telegram at a fake Bot API, and a fake web for pages and feeds. The owner is logged in,
 * 2FA is enrolled, and loopback over plain http is allowed (settings `skills.http.*`, with codes).
 */
export async function startCoreSkillsBed(): Promise<CoreSkillsBed> {
  const database: TestDatabase = await createTestDatabase();
  const openai = await startFakeOpenAi(OPENAI_KEY);
  const telegram = await FakeBotApi.start({ token: BOT_TOKEN, username: 'core_skills_bot' });
  const web = await FakeWeb.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'talon-core-skills-'));
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env['TALON_TEST_LOG'] === '1' ? 'debug' : 'silent',
      SECRET_KEY_BASE: 'core-skills-test-secret-key-base-0123456789-abcdef',
      ADMIN_PASSWORD,
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_MODEL,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_CHAT_ID: String(OWNER_CHAT),
      TELEGRAM_API_ROOT: telegram.apiRoot,
    },
    dataDir,
  );
  const talon = await startTalon(config, undefined, { instrumentApp: installResponseCheck });
  const admin = new AdminHttp(talon.url);
  await admin.login(ADMIN_PASSWORD);

  const ok = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const response = await admin.request(method, url, body);
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body as T;
  };
  const { secret } = await ok<{ secret: string }>('POST', '/api/auth/totp/enrol', {});
  const code = async (): Promise<string> => {
    await forgetUsedTotpCodes(talon.database.pool);
    return totpCodeAt(secret, Date.now() / 1000);
  };
  await ok('POST', '/api/auth/totp/confirm', { code: await code() });
  for (const key of ['skills.http.allow_private_addresses', 'skills.http.allow_plain_http']) {
    await ok('PUT', `/api/settings/${key}`, { value: true, totpCode: await code() });
  }

  return {
    talon,
    admin,
    openai,
    telegram,
    web,
    code,
    ok,
    loadLoopbackCopy: async (core, name) => {
      const folder = path.join(DEFAULT_CORE_SKILLS_DIR, core);
      const manifest = JSON.parse(readFileSync(path.join(folder, 'skill.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      await ok('POST', '/api/skills/upload', {
        manifest: JSON.stringify({ ...manifest, name, net: [web.host] }),
        code: readFileSync(path.join(folder, 'index.js'), 'utf8'),
        totpCode: await code(),
      });
    },
    close: async () => {
      await talon.stop();
      await Promise.all([openai.close(), telegram.close(), web.close()]);
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
