import { chmod, chown, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { skillChecksum } from '@talon/skill-runtime/contract/checksum.ts';
import {
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  nextStepTotpCode,
  type AdminSession,
} from '../testing/admin-session.ts';
import {
  startSkillLifecycleApp,
  testSkillFiles,
  writeTestSkill,
  type SkillLifecycleApp,
} from '../testing/skill-lifecycle-app.ts';
import { TEST_ADMIN_PASSWORD } from '../testing/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import type {
  SkillPackage,
  SkillRunRequest,
  SkillRunResult,
  SkillRuntime,
  SkillStatus,
} from '@talon/skill-runtime/contract/runtime-contract.ts';
import { SkillLifecycleEvents, type SkillTamperedEvent } from './skill-events.ts';

/**
 * Records exactly what the lifecycle hands to the sandbox. "Never run" is asserted here as "never
 * installed": the runtime can only run what it was given.
 */
class RecordingRuntime implements SkillRuntime {
  readonly installed = new Map<string, SkillPackage>();
  readonly history: string[] = [];
  async install(pkg: SkillPackage): Promise<void> {
    this.installed.set(pkg.manifest.name, pkg);
    this.history.push(`install ${pkg.manifest.name}@${pkg.manifest.version}`);
  }
  async uninstall(name: string): Promise<void> {
    if (!this.installed.delete(name)) throw new Error(`${name} is not installed`);
    this.history.push(`uninstall ${name}`);
  }
  async run(name: string, _request: SkillRunRequest): Promise<SkillRunResult> {
    return this.installed.has(name)
      ? { ok: true, result: null, branch: 'on_success', durationMs: 0, apiCalls: [] }
      : { ok: false, error: { code: 'skill_not_found', message: name }, durationMs: 0, apiCalls: [] };
  }
  status(): SkillStatus | undefined {
    return undefined;
  }
  list(): SkillStatus[] {
    return [];
  }
  resetBreaker(): void {}
  async close(): Promise<void> {}
}

let database: TestDatabase;
let root: string;
let skillsDir: string;
let coreDir: string;
let runtime: RecordingRuntime;
let talon: SkillLifecycleApp;
let session: AdminSession;
let totpSecret: string;

async function writeCoreSkill(name: string): Promise<void> {
  const { manifest, code } = testSkillFiles({ name, permissions: ['shell'] });
  const folder = path.join(coreDir, name);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'skill.json'), JSON.stringify(manifest));
  await writeFile(path.join(folder, 'index.js'), code);
  await writeFile(
    path.join(coreDir, 'checksums.json'),
    JSON.stringify({
      format: 'talon-core-skills/1',
      skills: { [name]: { version: '1.0.0', checksum: skillChecksum(manifest, code) } },
    }),
  );
}

async function start(): Promise<void> {
  runtime = new RecordingRuntime();
  talon = await startSkillLifecycleApp({ database, skillsDir, coreSkillsDir: coreDir, runtime });
  session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);
}

async function restart(): Promise<void> {
  await talon.close();
  await start();
}

async function freshCode(): Promise<string> {
  await forgetUsedTotpCodes(database.pool);
  return nextStepTotpCode(totpSecret);
}

function post(url: string, payload: Record<string, unknown>) {
  return talon.app.inject({ method: 'POST', url, headers: session.headers, payload });
}

async function pendingChecksum(name: string): Promise<string> {
  const response = await talon.app.inject({
    method: 'GET',
    url: '/api/skills/pending',
    headers: session.headers,
  });
  const entry = response
    .json<{ pending: { name: string; checksum?: string }[] }>()
    .pending.find((p) => p.name === name);
  if (!entry?.checksum) throw new Error(`${name} is not pending: ${response.body}`);
  return entry.checksum;
}

async function load(name: string, extra: Record<string, unknown> = {}) {
  await talon.lifecycle.refreshPending(name);
  return post(`/api/skills/${name}/load`, {
    checksum: await pendingChecksum(name),
    totpCode: await freshCode(),
    ...extra,
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'talon-lifecycle-'));
  await chmod(root, 0o755);
  skillsDir = path.join(root, 'skills');
  coreDir = path.join(root, 'plugins');
  await mkdir(coreDir);
  await writeCoreSkill('core_echo');
  await start();
});

afterAll(async () => {
  await talon?.close();
  await database?.drop();
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  await forgetUsedTotpCodes(database.pool);
});

describe('admin protection', () => {
  it('answers nothing without the admin session, and refuses a state change without the CSRF token', async () => {
    const anonymous = await talon.app.inject({ method: 'GET', url: '/api/skills/pending' });
    expect(anonymous.statusCode).toBe(401);
    const noCsrf = await talon.app.inject({
      method: 'POST',
      url: '/api/skills/anything/load',
      headers: { cookie: session.cookie },
      payload: { checksum: '0'.repeat(64), totpCode: '123456' },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error).toMatch(/csrf/);
  });

  it('says what is wrong with a malformed request before doing anything', async () => {
    const response = await post('/api/skills/greeter/load', { checksum: 'abc', totpCode: '123456' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'invalid_request',
      message: expect.stringMatching(/checksum/),
    });
  });
});

describe('without 2FA enrolled', () => {
  it('refuses every lifecycle action with "enrol 2FA first" and loads nothing', async () => {
    await writeTestSkill(skillsDir, { name: 'early' });
    await talon.lifecycle.refreshPending('early');
    const response = await post('/api/skills/early/load', {
      checksum: await pendingChecksum('early'),
      totpCode: '123456',
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({
      error: 'totp_not_enrolled',
      message: expect.stringMatching(/enrol 2FA first/),
    });
    expect(runtime.installed.has('early')).toBe(false);
    await rm(path.join(skillsDir, 'early'), { recursive: true });
    totpSecret = await enrolTotp(talon.app, session);
  });
});

describe('skills folder rules', () => {
  it('refuses a symlink that leads outside, a bad name, and world-writable or foreign files, each with its reason', async () => {
    const outside = path.join(root, 'outside');
    await writeTestSkill(outside, { name: 'escapee' });
    await symlink(path.join(outside, 'escapee'), path.join(skillsDir, 'escapee'));
    await writeTestSkill(skillsDir, { name: 'Bad-Name' }).catch(() => undefined);
    await mkdir(path.join(skillsDir, 'Bad-Name'), { recursive: true });
    await writeTestSkill(skillsDir, { name: 'open_door' });
    await chmod(path.join(skillsDir, 'open_door', 'index.js'), 0o666);
    await writeTestSkill(skillsDir, { name: 'strangers' });
    // Only root can give a file away; elsewhere this one rule is not exercised (CI runs as root).
    const canChown = process.getuid?.() === 0;
    if (canChown) await chown(path.join(skillsDir, 'strangers', 'skill.json'), 65534, 65534);
    await talon.lifecycle.refreshPending('escapee');
    for (const name of ['Bad-Name', 'open_door', 'strangers']) await talon.lifecycle.refreshPending(name);

    const response = await talon.app.inject({
      method: 'GET',
      url: '/api/skills/pending',
      headers: session.headers,
    });
    const byName = new Map(
      response
        .json<{ pending: { name: string; state: string; error?: { message: string } }[] }>()
        .pending.map((p) => [p.name, p]),
    );
    expect(byName.get('escapee')).toMatchObject({
      state: 'refused',
      error: { message: expect.stringMatching(/symbolic link that leads outside the skills folder/) },
    });
    expect(byName.get('Bad-Name')?.error?.message).toMatch(/"Bad-Name" is not a valid skill name/);
    expect(byName.get('open_door')?.error?.message).toMatch(
      /open_door\/index.js is writable by every user \(mode 666\)/,
    );
    if (canChown) {
      expect(byName.get('strangers')?.error?.message).toMatch(
        /strangers\/skill.json is owned by another user \(uid 65534\)/,
      );
    }

    const dotdot = await post('/api/skills/..%2Foutside/load', {
      checksum: '0'.repeat(64),
      totpCode: await freshCode(),
    });
    expect(dotdot.statusCode).toBe(400);
    expect(dotdot.json().message).toMatch(/is not a valid skill name/);
    const escape = await post('/api/skills/escapee/load', {
      checksum: '0'.repeat(64),
      totpCode: await freshCode(),
    });
    expect(escape.json()).toMatchObject({ error: 'skill_path_outside' });
    expect(runtime.installed.has('escapee')).toBe(false);
    for (const name of ['escapee', 'Bad-Name', 'open_door', 'strangers'])
      await rm(path.join(skillsDir, name), { recursive: true });
  });
});

describe('load with a TOTP code', () => {
  it('shows a new folder as pending and never loads it on its own', async () => {
    const checksum = await writeTestSkill(skillsDir, { name: 'greeter', permissions: ['log'] });
    await talon.lifecycle.refreshPending('greeter');
    const pending = talon.lifecycle.listPending().find((p) => p.name === 'greeter');
    expect(pending).toMatchObject({
      state: 'new',
      checksum,
      requested: { permissions: ['log'], net: [], secrets: [] },
      diff: { added: { permissions: ['log'] } },
      needsApproval: true,
    });
    expect(runtime.installed.has('greeter')).toBe(false);
  });

  it('refuses without a code, with a wrong code and with a reused code, and loads nothing', async () => {
    const checksum = await pendingChecksum('greeter');
    const noCode = await post('/api/skills/greeter/load', { checksum });
    expect(noCode.statusCode).toBe(403);
    expect(noCode.json().error).toBe('totp_required');
    const wrong = await post('/api/skills/greeter/load', { checksum, totpCode: '000000' });
    expect(wrong.json().error).toBe('totp_invalid');

    await writeTestSkill(skillsDir, { name: 'other' });
    await talon.lifecycle.refreshPending('other');
    const code = await freshCode();
    expect(
      (await post('/api/skills/other/load', { checksum: await pendingChecksum('other'), totpCode: code }))
        .statusCode,
    ).toBe(200);
    const reused = await post('/api/skills/greeter/load', { checksum, totpCode: code });
    expect(reused.json().error).toBe('totp_replayed');

    expect(runtime.installed.has('greeter')).toBe(false);
    const audit = await talon.audit.recent({ action: 'skill.load', outcome: 'denied' });
    expect(audit.map((entry) => entry.reason)).toEqual(
      expect.arrayContaining(['totp_required', 'totp_invalid', 'totp_replayed']),
    );
  });

  it('loads with a valid code: installs the exact package with its grants and records the approval', async () => {
    const response = await load('greeter');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      name: 'greeter',
      version: '1.0.0',
      grants: { permissions: ['log'] },
    });
    expect(runtime.installed.get('greeter')).toMatchObject({
      kind: 'dynamic',
      grants: { permissions: ['log'], net: [], secrets: [] },
    });
    const approved = await talon.app.inject({
      method: 'GET',
      url: '/api/skills/greeter/package',
      headers: session.headers,
    });
    expect(approved.json()).toMatchObject({
      name: 'greeter',
      status: 'approved',
      code: testSkillFiles({ name: 'greeter', permissions: ['log'] }).code,
      manifest: await readFile(path.join(skillsDir, 'greeter', 'skill.json'), 'utf8'),
    });
    expect(talon.lifecycle.listPending().some((p) => p.name === 'greeter')).toBe(false);
    const [entry] = await talon.audit.recent({ action: 'skill.load', outcome: 'succeeded' });
    expect(entry).toMatchObject({
      actor: 'admin',
      target: 'greeter',
      details: { checksumBefore: null, grants: { permissions: ['log'] } },
    });
  });

  it('refuses a folder that changed after it was reviewed', async () => {
    await writeTestSkill(skillsDir, { name: 'shifty' });
    await talon.lifecycle.refreshPending('shifty');
    const reviewed = await pendingChecksum('shifty');
    await writeTestSkill(skillsDir, {
      name: 'shifty',
      code: 'export default { run() { return "swapped"; } };',
    });
    const response = await post('/api/skills/shifty/load', {
      checksum: reviewed,
      totpCode: await freshCode(),
    });
    expect(response.json()).toMatchObject({ error: 'checksum_mismatch' });
    expect(runtime.installed.has('shifty')).toBe(false);
  });
});

describe('tampering after approval', () => {
  const variants = [
    {
      name: 'tamper_code',
      change: (folder: string) =>
        writeFile(path.join(folder, 'index.js'), 'export default { run() { return "evil"; } };'),
      reason: /index.js changed after approval/,
    },
    {
      name: 'tamper_manifest',
      change: async (folder: string) => {
        const manifest = JSON.parse(await readFile(path.join(folder, 'skill.json'), 'utf8'));
        await writeFile(
          path.join(folder, 'skill.json'),
          JSON.stringify({ ...manifest, description: 'changed' }),
        );
      },
      reason: /skill.json changed after approval/,
    },
    {
      name: 'tamper_delete',
      change: (folder: string) => unlink(path.join(folder, 'index.js')),
      reason: /index.js is missing/,
    },
  ];

  it('skips, marks, audits and announces each at restart; the code is never handed to the sandbox', async () => {
    for (const variant of variants) {
      await writeTestSkill(skillsDir, { name: variant.name });
      expect((await load(variant.name)).statusCode).toBe(200);
    }
    for (const variant of variants) await variant.change(path.join(skillsDir, variant.name));
    const announced: SkillTamperedEvent[] = [];
    await talon.close();
    runtime = new RecordingRuntime();
    // The listener must be there before boot verification runs.
    const events = new SkillLifecycleEvents();
    events.on('skill.tampered', (event) => announced.push(event));
    talon = await startSkillLifecycleApp({ database, skillsDir, coreSkillsDir: coreDir, runtime, events });
    session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD);

    for (const variant of variants) {
      expect(runtime.installed.has(variant.name)).toBe(false);
      expect(announced.find((event) => event.name === variant.name)?.reason).toMatch(variant.reason);
    }
    expect(runtime.installed.has('greeter')).toBe(true);
    const approvals = await talon.app.inject({
      method: 'GET',
      url: '/api/skills/approvals',
      headers: session.headers,
    });
    const dynamic = approvals.json<{ dynamic: { name: string; status: string }[] }>().dynamic;
    for (const variant of variants)
      expect(dynamic.find((d) => d.name === variant.name)?.status).toBe('tampered');
    const audit = await talon.audit.recent({ action: 'skill.verify', outcome: 'failed' });
    expect(audit.map((entry) => entry.target)).toEqual(expect.arrayContaining(variants.map((v) => v.name)));

    // Still tampered after another restart: nothing runs until the owner acts.
    await restart();
    for (const variant of variants) expect(runtime.installed.has(variant.name)).toBe(false);
  });

  it('restoring the approved copy from the admin makes it run again', async () => {
    const response = await post('/api/skills/tamper_code/restore', { totpCode: await freshCode() });
    expect(response.statusCode).toBe(200);
    expect(runtime.installed.get('tamper_code')?.code).toBe(testSkillFiles({ name: 'tamper_code' }).code);
    expect(await readFile(path.join(skillsDir, 'tamper_code', 'index.js'), 'utf8')).toBe(
      testSkillFiles({ name: 'tamper_code' }).code,
    );
    await restart();
    expect(runtime.installed.has('tamper_code')).toBe(true);
    expect(runtime.installed.has('tamper_delete')).toBe(false);
  });
});

describe('upgrades and grants', () => {
  it('keeps the grant for an upgrade that asks for the same or less', async () => {
    await writeTestSkill(skillsDir, { name: 'greeter', version: '1.1.0', permissions: ['log'] });
    expect((await load('greeter')).json()).toMatchObject({
      version: '1.1.0',
      grants: { permissions: ['log'] },
    });
  });

  it('refuses a version that is not higher', async () => {
    await writeTestSkill(skillsDir, {
      name: 'greeter',
      version: '1.1.0',
      permissions: [],
      code: 'export default { run() { return 2; } };',
    });
    const response = await load('greeter');
    expect(response.json()).toMatchObject({ error: 'version_not_higher' });
    expect(response.json().message).toMatch(
      /"greeter" 1.1.0 is loaded: a new package must have a higher version \(got 1.1.0\)/,
    );
  });

  it('leaves an upgrade asking for more pending until the owner approves it, then enforces narrower grants', async () => {
    await writeTestSkill(skillsDir, {
      name: 'greeter',
      version: '2.0.0',
      permissions: ['log', 'http', 'storage'],
      net: ['api.example.com'],
    });
    await talon.lifecycle.refreshPending('greeter');
    const pending = talon.lifecycle.listPending().find((p) => p.name === 'greeter');
    expect(pending).toMatchObject({
      state: 'update',
      needsApproval: true,
      loaded: { version: '1.1.0' },
      diff: { added: { permissions: ['http', 'storage'], net: ['api.example.com'] } },
    });
    const refused = await load('greeter');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'approval_required' });
    expect(runtime.installed.get('greeter')?.manifest.version).toBe('1.1.0');

    const tooMuch = await load('greeter', { grants: { permissions: ['log', 'llm'], net: [], secrets: [] } });
    expect(tooMuch.json().message).toMatch(/grants.permissions: "llm" is not asked for/);

    const approved = await load('greeter', {
      grants: { permissions: ['log', 'http'], net: ['api.example.com'], secrets: [] },
    });
    expect(approved.statusCode).toBe(200);
    expect(runtime.installed.get('greeter')).toMatchObject({
      manifest: { version: '2.0.0' },
      grants: { permissions: ['http', 'log'], net: ['api.example.com'], secrets: [] },
    });
  });
});

describe('core skills', () => {
  it('are loaded from their verified build and listed separately', async () => {
    expect(runtime.installed.get('core_echo')).toMatchObject({
      kind: 'core',
      grants: { permissions: ['shell'] },
    });
    const approvals = await talon.app.inject({
      method: 'GET',
      url: '/api/skills/approvals',
      headers: session.headers,
    });
    expect(approvals.json().core).toEqual([expect.objectContaining({ name: 'core_echo', state: 'loaded' })]);
  });

  it('cannot be unloaded, reloaded or shadowed by a dynamic skill', async () => {
    const unload = await post('/api/skills/core_echo/unload', { totpCode: await freshCode() });
    expect(unload.statusCode).toBe(403);
    expect(unload.json()).toMatchObject({ error: 'cannot_change_core' });
    await writeTestSkill(skillsDir, { name: 'core_echo', version: '9.0.0' });
    await talon.lifecycle.refreshPending('core_echo');
    expect(talon.lifecycle.listPending().find((p) => p.name === 'core_echo')).toMatchObject({
      state: 'refused',
      error: { code: 'name_conflicts_with_core' },
    });
    const shadow = await post('/api/skills/core_echo/load', {
      checksum: '0'.repeat(64),
      totpCode: await freshCode(),
    });
    expect(shadow.json()).toMatchObject({ error: 'name_conflicts_with_core' });
    const { manifest, code } = testSkillFiles({ name: 'core_echo', version: '9.0.0' });
    const upload = await post('/api/skills/upload', {
      manifest: JSON.stringify(manifest),
      code,
      totpCode: await freshCode(),
    });
    expect(upload.json()).toMatchObject({ error: 'name_conflicts_with_core' });
    expect(runtime.installed.get('core_echo')?.kind).toBe('core');
    await rm(path.join(skillsDir, 'core_echo'), { recursive: true });
  });

  it('is refused at start when changed after its build, and announced', async () => {
    await writeFile(
      path.join(coreDir, 'core_echo', 'index.js'),
      'export default { run() { return "patched"; } };',
    );
    await restart();
    expect(runtime.installed.has('core_echo')).toBe(false);
    const approvals = await talon.app.inject({
      method: 'GET',
      url: '/api/skills/approvals',
      headers: session.headers,
    });
    expect(approvals.json().core[0]).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/does not match its build-time checksum/),
    });
    await writeCoreSkill('core_echo');
  });

  it('reserves shell for core skills', async () => {
    const { manifest, code } = testSkillFiles({ name: 'sneaky', permissions: ['shell'] });
    const upload = await post('/api/skills/upload', {
      manifest: JSON.stringify(manifest),
      code,
      totpCode: await freshCode(),
    });
    expect(upload.statusCode).toBe(400);
    expect(upload.json().message).toMatch(/permissions\[0\]: "shell" is reserved for the core skills/);
  });
});

describe('upload and unload', () => {
  it('uploads a package into the skills folder and loads it, with the same code rules', async () => {
    const { manifest, code } = testSkillFiles({ name: 'uploaded' });
    const response = await post('/api/skills/upload', {
      manifest: JSON.stringify(manifest),
      code,
      totpCode: await freshCode(),
    });
    expect(response.statusCode).toBe(200);
    expect(await readFile(path.join(skillsDir, 'uploaded', 'index.js'), 'utf8')).toBe(code);
    expect(runtime.installed.has('uploaded')).toBe(true);
    const withImport = await post('/api/skills/upload', {
      manifest: JSON.stringify({ ...manifest, version: '1.0.1' }),
      code: 'import fs from "node:fs";\nexport default { run() { return fs; } };',
      totpCode: await freshCode(),
    });
    expect(withImport.json().message).toMatch(/imports "node:fs"/);
  });

  it('unloads with a code; the folder stays and shows as pending again', async () => {
    const refused = await post('/api/skills/uploaded/unload', {});
    expect(refused.json().error).toBe('totp_required');
    expect(runtime.installed.has('uploaded')).toBe(true);
    const response = await post('/api/skills/uploaded/unload', { totpCode: await freshCode() });
    expect(response.statusCode).toBe(200);
    expect(runtime.installed.has('uploaded')).toBe(false);
    const [audited] = await talon.audit.recent({ action: 'skill.unload', outcome: 'succeeded' });
    expect(audited).toMatchObject({
      actor: 'admin',
      target: 'uploaded',
      details: { checksumBefore: expect.stringMatching(/^[0-9a-f]{64}$/), checksumAfter: null },
    });
    expect(talon.lifecycle.listPending().find((p) => p.name === 'uploaded')?.state).toBe('new');
  });
});

describe('a skill.json whose configSchema would backtrack without end', () => {
  // The probe of issue 10: `^(a+)+$` and a 40-character scaffold that does not match it.
  const hostile = {
    name: 'hostile_schema',
    version: '1.0.0',
    description: 'a configSchema that backtracks catastrophically on a backtracking engine',
    permissions: [],
    configSchema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } },
    ui: { configScaffold: { name: `${'a'.repeat(39)}!` } },
  };
  const code = 'export default { run: () => 1 };';
  const healthy = async () => (await talon.app.inject({ method: 'GET', url: '/health' })).statusCode;

  it('is read from the skills folder, at a restart and on upload without stalling Talon', async () => {
    const folder = path.join(skillsDir, hostile.name);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'skill.json'), JSON.stringify(hostile));
    await writeFile(path.join(folder, 'index.js'), code);
    await talon.lifecycle.refreshPending(hostile.name);
    const pending = await talon.app.inject({
      method: 'GET',
      url: '/api/skills/pending',
      headers: session.headers,
    });
    expect(JSON.stringify(pending.json())).toContain('does not fit configSchema');
    expect(await healthy()).toBe(200);
    await restart();
    expect(await healthy()).toBe(200);
    const upload = await post('/api/skills/upload', {
      manifest: JSON.stringify({ ...hostile, name: 'hostile_upload' }),
      code,
      totpCode: await freshCode(),
    });
    expect(upload.statusCode).toBe(400);
    expect(upload.json().message).toContain('ui.configScaffold: does not fit configSchema');
    expect(await healthy()).toBe(200);
  });
});
