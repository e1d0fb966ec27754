import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  nextStepTotpCode,
  type AdminSession,
} from '../testing/admin-session.ts';
import {
  startSkillLifecycleApp,
  writeTestSkill,
  type SkillLifecycleApp,
} from '../testing/skill-lifecycle-app.ts';
import { TEST_ADMIN_PASSWORD } from '../testing/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { DEFAULT_CORE_SKILLS_DIR } from './core-skills.ts';
import { createTalonSkillRuntime } from './talon-skill-runtime.ts';

/** The lifecycle on the real runtime: worker processes, isolates, the SkillAPI gate. */
let database: TestDatabase;
let root: string;
let skillsDir: string;
let talon: SkillLifecycleApp;
let session: AdminSession;
let totpSecret: string;

async function start(): Promise<void> {
  talon = await startSkillLifecycleApp({
    database,
    skillsDir,
    coreSkillsDir: DEFAULT_CORE_SKILLS_DIR,
    runtime: (services) => createTalonSkillRuntime({ ...services, sandbox: { spareWorkers: 0 } }),
  });
  session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
}

async function load(name: string, extra: Record<string, unknown> = {}) {
  await talon.lifecycle.refreshPending(name);
  const checksum = talon.lifecycle.listPending().find((entry) => entry.name === name)?.checksum;
  await forgetUsedTotpCodes(database.pool);
  return talon.app.inject({
    method: 'POST',
    url: `/api/skills/${name}/load`,
    headers: session.headers,
    payload: { checksum, totpCode: await nextStepTotpCode(totpSecret), ...extra },
  });
}

const STORAGE_SKILL = `export default {
  async run({ input, api }) {
    const before = await api.storage.get('count');
    await api.storage.set('count', (before ?? 0) + 1);
    return { greeting: 'hello ' + input, count: (before ?? 0) + 1 };
  },
};
`;

beforeAll(async () => {
  database = await createTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'talon-lifecycle-runtime-'));
  await chmod(root, 0o755);
  skillsDir = path.join(root, 'skills');
  await start();
  totpSecret = await enrolTotp(talon.app, session);
});

afterAll(async () => {
  await talon?.close();
  await database?.drop();
  await rm(root, { recursive: true, force: true });
});

describe('lifecycle on the real sandbox runtime', () => {
  it('runs the core skills shipped in plugins/', async () => {
    const result = await talon.runtime.run('json_transform', {
      input: { title: 'T', link: 'https://x', extra: 1 },
      config: { pick: ['title', 'link'], rename: { link: 'url' } },
    });
    expect(result).toMatchObject({
      ok: true,
      branch: 'on_success',
      result: { title: 'T', url: 'https://x' },
    });
    expect(await talon.runtime.run('echo', { input: [1, 2], config: { wrap: 'items' } })).toMatchObject({
      ok: true,
      result: { items: [1, 2] },
    });
  });

  it('a pending skill does not run; loaded with a valid code it runs', async () => {
    await writeTestSkill(skillsDir, { name: 'counter', permissions: ['storage'], code: STORAGE_SKILL });
    await talon.lifecycle.refreshPending('counter');
    expect(await talon.runtime.run('counter', { input: 'Ada' })).toMatchObject({
      ok: false,
      error: { code: 'skill_not_found' },
    });
    expect((await load('counter')).statusCode).toBe(200);
    expect(await talon.runtime.run('counter', { input: 'Ada' })).toMatchObject({
      ok: true,
      result: { greeting: 'hello Ada', count: 1 },
    });
  });

  it('enforces grants narrower than the request: the ungranted call is permission_denied', async () => {
    await writeTestSkill(skillsDir, {
      name: 'counter',
      version: '1.1.0',
      permissions: ['storage'],
      code: STORAGE_SKILL.replace('hello', 'hi'),
    });
    const response = await load('counter', { grants: { permissions: [], net: [], secrets: [] } });
    expect(response.statusCode).toBe(200);
    const result = await talon.runtime.run('counter', { input: 'Ada' });
    expect(result).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    expect(result.apiCalls).toEqual([expect.objectContaining({ method: 'storage.get', allowed: false })]);
  });

  it('a skill tampered after approval is never run after a restart', async () => {
    await writeTestSkill(skillsDir, {
      name: 'victim',
      code: 'export default { run() { return "approved"; } };',
    });
    expect((await load('victim')).statusCode).toBe(200);
    expect(await talon.runtime.run('victim', { input: null })).toMatchObject({
      ok: true,
      result: 'approved',
    });
    await writeFile(
      path.join(skillsDir, 'victim', 'index.js'),
      'export default { run() { return "evil"; } };',
    );
    await talon.close();
    await start();
    expect(await talon.runtime.run('victim', { input: null })).toMatchObject({
      ok: false,
      error: { code: 'skill_not_found' },
    });
    await forgetUsedTotpCodes(database.pool);
    const restore = await talon.app.inject({
      method: 'POST',
      url: '/api/skills/victim/restore',
      headers: session.headers,
      payload: { totpCode: await nextStepTotpCode(totpSecret) },
    });
    expect(restore.statusCode).toBe(200);
    expect(await talon.runtime.run('victim', { input: null })).toMatchObject({
      ok: true,
      result: 'approved',
    });
  });
});
