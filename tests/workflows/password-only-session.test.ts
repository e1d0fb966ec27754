import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '@talon/core/audit/audit-log.ts';
import { isTotpEnrolled } from '@talon/core/auth/step-up.ts';
import { loadSettings } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { SettingsCipher } from '@talon/core/crypto/settings-cipher.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { createAppServices, type AppServices } from '@talon/core/app-services.ts';
import { buildApp } from '@talon/core/server/app.ts';
import type { SettingsStore } from '@talon/core/settings/store.ts';
import {
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  totpCode,
  type AdminSession,
} from '@talon/core/testing/admin-session.ts';
import { installResponseCheck } from '@talon/core/testing/response-check.ts';
import { TEST_ADMIN_PASSWORD, TEST_SECRET_KEY_BASE } from '@talon/core/testing/test-app.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { createWorkflowEngine, type WorkflowEngine } from '@talon/core/workflows/engine.ts';
import { ManifestCatalog } from '@talon/core/workflows/skill-catalog.ts';
import { manifest } from '@talon/core/workflows/testing/definitions.ts';
import { ScriptedRuntime } from '@talon/core/workflows/testing/scripted-runtime.ts';

// Issue 10 §1, reproduced first: with only the password, `PUT /api/workflows/:id` with
// "requires2fa": false answered 200 and the next run completed without a code. Once 2FA is
// enrolled, a password-only session may use a requires-2FA workflow but not change or delete it.

let database: TestDatabase;
let settings: SettingsStore;
let app: Awaited<ReturnType<typeof buildApp>>;
let services: AppServices;
let engine: WorkflowEngine;
let session: AdminSession;
let secret = '';

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY_BASE: TEST_SECRET_KEY_BASE,
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  });
  const logger = createLogger('silent');
  settings = await loadSettings(database.pool, new SettingsCipher(TEST_SECRET_KEY_BASE), config, logger);
  const audit = new AuditLog(database.pool, logger);
  services = createAppServices({ config, logger, pool: database.pool, settings, audit });
  engine = createWorkflowEngine({
    databaseUrl: database.url,
    pool: database.pool,
    logger,
    node: 'solo',
    runtime: new ScriptedRuntime().define('echo', (input) => ({ result: input })),
    catalog: new ManifestCatalog([manifest('echo')]),
    stepUp: services.stepUp,
    twoFactorEnrolled: () => isTotpEnrolled(settings),
    scheduler: { superviseIntervalSeconds: 1, periodicMissedCheck: false },
  });
  app = await buildApp({
    config,
    logger,
    pool: database.pool,
    settings,
    audit,
    secretKeyBase: TEST_SECRET_KEY_BASE,
    services,
    instrument: installResponseCheck,
    adminUiDir: '/nonexistent/talon-admin-ui',
    workflowEngine: engine,
  });
  await app.ready();
  await engine.start();
  session = await loginAsAdmin(app, TEST_ADMIN_PASSWORD);
});

afterAll(async () => {
  await app?.close();
  services?.stop();
  await engine?.stop();
  await database?.drop();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  app.inject({ method, url, headers: session.headers, ...(payload === undefined ? {} : { payload }) });

async function freshCode(): Promise<string> {
  await forgetUsedTotpCodes(database.pool);
  return totpCode(secret);
}

const definition = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  requires2fa: true,
  steps: [{ id: 'e', name: 'Echo', skill: 'echo', config: {} }],
  ...extra,
});

interface WorkflowBody {
  id: string;
  version: number;
  definition: { name: string; requires2fa: boolean; enabled: boolean; steps: { name: string }[] };
}

async function created(name: string, extra: Record<string, unknown> = {}): Promise<WorkflowBody> {
  const response = await call('POST', '/api/workflows', definition(name, extra));
  expect(response.statusCode, response.body).toBe(201);
  return response.json<WorkflowBody>();
}

const current = async (id: string): Promise<WorkflowBody> =>
  (await call('GET', `/api/workflows/${id}`)).json<WorkflowBody>();

describe('before 2FA is enrolled', () => {
  it('a workflow cannot start requiring 2FA: created, edited or imported so', async () => {
    const create = await call('POST', '/api/workflows', definition('too early'));
    expect(create.statusCode).toBe(403);
    expect(create.json()).toMatchObject({
      error: 'totp_not_enrolled',
      message: expect.stringContaining('enrol it on the Security screen first'),
    });
    const plain = await created('plain', { requires2fa: false });
    const edit = await call('PUT', `/api/workflows/${plain.id}`, definition('plain'));
    expect(edit.json()).toMatchObject({ error: 'totp_not_enrolled' });
    expect((await current(plain.id)).definition.requires2fa).toBe(false);
    const exported = (await call('GET', `/api/workflows/${plain.id}/export`)).json<{ workflow: object }>();
    const imported = await call('POST', '/api/workflows/import', {
      document: { ...exported, workflow: { ...exported.workflow, requires2fa: true } },
      name: 'imported guarded',
    });
    expect(imported.json()).toMatchObject({ error: 'totp_not_enrolled' });
  });
});

describe('with 2FA enrolled, a password-only session', () => {
  beforeAll(async () => {
    secret = await enrolTotp(app, session);
  });

  it("cannot switch a workflow's 2FA off, so its next run still waits for a code (the issue's probe)", async () => {
    const guarded = await created('guarded');
    const lifted = await call(
      'PUT',
      `/api/workflows/${guarded.id}`,
      definition('guarded', { requires2fa: false }),
    );
    expect(lifted.statusCode).toBe(403);
    expect(lifted.json()).toMatchObject({ error: 'totp_required' });
    expect(await current(guarded.id)).toMatchObject({ version: 1, definition: { requires2fa: true } });
    const run = await call('POST', `/api/workflows/${guarded.id}/runs`, { input: 'x' });
    expect(run.json()).toMatchObject({ status: 'waiting_2fa' });
  });

  it('cannot change its steps, their configs, its schedule or switch it off without a code', async () => {
    const guarded = await created('guarded edits');
    const changes = [
      definition('guarded edits', { steps: [{ id: 'e', name: 'Renamed', skill: 'echo', config: {} }] }),
      definition('guarded edits', {
        steps: [{ id: 'e', name: 'Echo', skill: 'echo', config: { loud: true } }],
      }),
      definition('guarded edits', { schedule: { cron: '* * * * *' } }),
      definition('guarded edits', { enabled: false }),
    ];
    for (const change of changes) {
      const response = await call('PUT', `/api/workflows/${guarded.id}`, change);
      expect(response.json(), JSON.stringify(change)).toMatchObject({ error: 'totp_required' });
    }
    const wrong = await call('PUT', `/api/workflows/${guarded.id}`, { ...changes[0], totpCode: '000000' });
    expect(wrong.json()).toMatchObject({ error: 'totp_invalid' });
    expect((await current(guarded.id)).version).toBe(1);

    const withCode = await call('PUT', `/api/workflows/${guarded.id}`, {
      ...changes[0],
      totpCode: await freshCode(),
    });
    expect(withCode.statusCode).toBe(200);
    expect(withCode.json()).toMatchObject({ version: 2, definition: { steps: [{ name: 'Renamed' }] } });
  });

  it('cannot delete it without a code', async () => {
    const guarded = await created('guarded delete');
    const refused = await call('DELETE', `/api/workflows/${guarded.id}`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'totp_required' });
    expect((await call('GET', `/api/workflows/${guarded.id}`)).statusCode).toBe(200);
    const deleted = await call('DELETE', `/api/workflows/${guarded.id}`, { totpCode: await freshCode() });
    expect(deleted.statusCode).toBe(204);
    expect((await call('GET', `/api/workflows/${guarded.id}`)).statusCode).toBe(404);
  });

  it('cannot import over it: an import is always a new workflow, and its name is taken', async () => {
    const guarded = await created('guarded import');
    const exported = (await call('GET', `/api/workflows/${guarded.id}/export`)).json<{ workflow: object }>();
    const replacement = { ...exported, workflow: { ...exported.workflow, requires2fa: false } };
    const response = await call('POST', '/api/workflows/import', { document: replacement });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ error: 'workflow_name_taken' });
    expect(await current(guarded.id)).toMatchObject({ version: 1, definition: { requires2fa: true } });
  });

  it('still changes a workflow that does not require 2FA without a code, and can make it require 2FA', async () => {
    const plain = await created('plain edits', { requires2fa: false });
    const edited = await call(
      'PUT',
      `/api/workflows/${plain.id}`,
      definition('plain edits', { description: 'x' }),
    );
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ version: 2, definition: { requires2fa: true } });
  });
});

describe('after 2FA is disabled again', () => {
  it('a requires-2FA workflow can be changed without a code (there is nothing to step up with)', async () => {
    const guarded = await created('guarded before disable');
    const disabled = await call('POST', '/api/auth/totp/disable', { totpCode: await freshCode() });
    expect(disabled.statusCode).toBe(200);
    const edited = await call(
      'PUT',
      `/api/workflows/${guarded.id}`,
      definition('guarded before disable', { description: 'changed while 2FA was off' }),
    );
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ version: 2, definition: { requires2fa: true } });
  });
});
