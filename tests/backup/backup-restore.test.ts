import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTalon, type Talon } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import {
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  totpCode,
  type AdminSession,
} from '@talon/core/testing/admin-session.ts';
import { installResponseCheck } from '@talon/core/testing/response-check.ts';
import { writeTestSkill } from '@talon/core/testing/skill-lifecycle-app.ts';
import { spawnTalon } from '../support/talon-process.ts';

// Issue 17: back up a running Talon with workflows, runs, skills and secrets; restore it into a fresh
// data folder; everything is there and runs. A corrupted archive and a wrong key change nothing.
const PASSWORD = 'backup and restore test password';
const GITHUB_TOKEN = 'ghp_secret_that_survives_the_move';

const root = mkdtempSync(path.join(tmpdir(), 'talon-backup-e2e-'));
// PostgreSQL runs as the `postgres` user when the tests run as root: it must enter these folders.
chmodSync(root, 0o755);
const folder = (name: string): string => {
  const dir = path.join(root, name);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  return dir;
};
const dataA = folder('a');
const dataB = folder('b');
const dataC = folder('c');
const archive = path.join(root, 'talon.tar.gz');

function environment(dataDir: string): Record<string, string> {
  return { NODE_ENV: 'test', DATA_DIR: dataDir, ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'silent', PORT: '0' };
}

async function start(dataDir: string, node: string): Promise<Talon> {
  const config = loadConfig({ ...environment(dataDir), TALON_NODE_NAME: node }, dataDir);
  return startTalon(config, createLogger('silent'), { instrumentApp: installResponseCheck });
}

async function talonCli(dataDir: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const run = spawnTalon('core/src/cli/talon.ts', { ...environment(dataDir), LOG_LEVEL: 'warn' }, args);
  const code = await run.exited;
  return { code, stderr: run.output().stderr };
}

let talon: Talon | undefined;
let session: AdminSession;
let totpSecret: string;
let shoutWorkflowId: string;
let guardedRunId: string;

async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: InjectOptions['payload']) {
  const options: InjectOptions = { method, url, headers: session.headers };
  if (payload !== undefined) options.payload = payload;
  return talon!.app.inject(options);
}

async function freshCode(): Promise<string> {
  await forgetUsedTotpCodes(talon!.database.pool);
  return totpCode(totpSecret);
}

beforeAll(async () => {
  talon = await start(dataA, 'node-a');
  session = await loginAsAdmin(talon.app, PASSWORD);
  totpSecret = await enrolTotp(talon.app, session);
  const secret = await call('PUT', '/api/settings/github.token', {
    value: GITHUB_TOKEN,
    totpCode: await freshCode(),
  });
  expect(secret.statusCode).toBe(200);

  // A skill the owner approved, and a workflow that runs it.
  const checksum = await writeTestSkill(talon.config.skillsDir, {
    name: 'shout',
    code: 'export default { run({ input }) { return { text: String(input.text).toUpperCase() + "!" }; } };\n',
  });
  await talon.skills.lifecycle.refreshPending('shout');
  const loaded = await call('POST', '/api/skills/shout/load', { checksum, totpCode: await freshCode() });
  expect(loaded.statusCode, loaded.body).toBe(200);
  const shout = await call('POST', '/api/workflows', {
    name: 'Shout',
    steps: [{ id: 'shout', name: 'Shout', skill: 'shout' }],
  });
  expect(shout.statusCode, shout.body).toBe(201);
  shoutWorkflowId = shout.json<{ id: string }>().id;
  const ran = await call('POST', `/api/workflows/${shoutWorkflowId}/runs?wait=true`, {
    input: { text: 'hello' },
    trigger: 'manual',
  });
  expect(ran.json()).toMatchObject({ status: 'completed', output: { text: 'HELLO!' } });

  // A run waiting for its 2FA code when the backup is taken.
  const guarded = await call('POST', '/api/workflows', {
    name: 'Guarded',
    requires2fa: true,
    steps: [{ id: 'echo', name: 'Echo', skill: 'echo' }],
    totpCode: await freshCode(),
  });
  expect(guarded.statusCode, guarded.body).toBe(201);
  const waiting = await call('POST', `/api/workflows/${guarded.json<{ id: string }>().id}/runs`, {
    input: null,
    trigger: 'manual',
  });
  expect(waiting.json()).toMatchObject({ status: 'waiting_2fa' });
  guardedRunId = waiting.json<{ id: string }>().id;
}, 120_000);

afterAll(async () => {
  await talon?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('backup and restore, end to end', () => {
  it('backs up the running Talon through its data folder, without the key in the archive', async () => {
    const backup = await talonCli(dataA, ['backup', archive]);
    expect(backup.stderr).toContain("backed up the running Talon's embedded PostgreSQL");
    expect(backup.code).toBe(0);
    const key = readFileSync(path.join(dataA, 'secret_key_base'), 'utf8').trim();
    const bytes = readFileSync(archive);
    expect(bytes.includes(Buffer.from(key))).toBe(false);
    // The running Talon recorded it, so the doctor sees a recent backup.
    const rows = await talon!.database.pool.any(sql.unsafe`SELECT trigger, status FROM backups`);
    expect(rows).toEqual([{ trigger: 'cli', status: 'succeeded' }]);
    await talon!.stop();
    talon = undefined;
  }, 60_000);

  it('refuses a corrupted archive and a wrong key with clear messages, and writes nothing', async () => {
    const corrupted = path.join(root, 'corrupted.tar.gz');
    const bytes = Buffer.from(readFileSync(archive));
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(corrupted, bytes);
    const keyFile = path.join(dataA, 'secret_key_base');
    const broken = await talonCli(dataC, ['restore', corrupted, '--key-file', keyFile]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/is not an intact Talon backup: .*nothing was restored/);

    const wrongKey = path.join(root, 'wrong-key');
    writeFileSync(wrongKey, 'another-key-entirely-0123456789-abcdefghijklmnop\n');
    const refused = await talonCli(dataC, ['restore', archive, '--key-file', wrongKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('was made with another SECRET_KEY_BASE than the one given');
    expect(refused.stderr).toContain('nothing was restored');

    expect(existsSync(path.join(dataC, 'postgres'))).toBe(false);
    expect(existsSync(path.join(dataC, 'skills'))).toBe(false);
    expect(existsSync(path.join(dataC, 'secret_key_base'))).toBe(false);
  }, 60_000);

  it('restores into a fresh data folder that runs the same workflows with the same secrets', async () => {
    const restored = await talonCli(dataB, [
      'restore',
      archive,
      '--key-file',
      path.join(dataA, 'secret_key_base'),
    ]);
    expect(restored.stderr).toContain('1 approved skill(s)');
    expect(restored.stderr).toContain('1 run(s) in flight at the backup are marked failed (restored)');
    expect(restored.code).toBe(0);

    talon = await start(dataB, 'node-b');
    session = await loginAsAdmin(talon.app, PASSWORD);
    expect(talon.settings.getString('github.token')).toBe(GITHUB_TOKEN);
    expect(talon.skills.runtime.list().map((skill) => skill.name)).toContain('shout');

    const history = await call('GET', `/api/workflows/${shoutWorkflowId}/runs`);
    expect(history.json<{ runs: { status: string }[] }>().runs).toMatchObject([{ status: 'completed' }]);
    const again = await call('POST', `/api/workflows/${shoutWorkflowId}/runs?wait=true`, {
      input: { text: 'moved' },
      trigger: 'manual',
    });
    expect(again.json()).toMatchObject({ status: 'completed', output: { text: 'MOVED!' } });

    const guarded = await call('GET', `/api/workflows/runs/${guardedRunId}`);
    expect(guarded.json()).toMatchObject({ run: { status: 'failed', error: { code: 'restored' } } });
    // 2FA came along: the same authenticator still works.
    const code = await freshCode();
    const stepUp = await call('PUT', '/api/settings/github.token', { value: 'ghp_changed', totpCode: code });
    expect(stepUp.statusCode).toBe(200);
  }, 120_000);

  it('backs up a stopped Talon too (starting its database for the backup)', async () => {
    await talon!.stop();
    talon = undefined;
    const backup = await talonCli(dataB, ['backup']);
    expect(backup.code).toBe(0);
    expect(backup.stderr).toMatch(
      /backed up the embedded PostgreSQL \(started for the backup, stopped after it\) to .*b\/backups\/talon-backup-/,
    );
  }, 60_000);
});
