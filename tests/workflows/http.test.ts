import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '@talon/core/audit/audit-log.ts';
import { loadSettings } from '@talon/core/boot.ts';
import { loadConfig } from '@talon/core/config/env.ts';
import { SettingsCipher } from '@talon/core/crypto/settings-cipher.ts';
import { createLogger } from '@talon/core/logging/logger.ts';
import { createAppServices, type AppServices } from '@talon/core/app-services.ts';
import { buildApp } from '@talon/core/server/app.ts';
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
import { ScriptedRuntime, type ScriptedAnswer } from '@talon/core/workflows/testing/scripted-runtime.ts';
import { waitFor } from './support/wait.ts';

// /api/workflows through the whole app: the admin session, CSRF, the real step-up 2FA, pg-boss.

let database: TestDatabase;
let app: Awaited<ReturnType<typeof buildApp>>;
let services: AppServices;
let engine: WorkflowEngine;
let session: AdminSession;
let totpSecret: string;
const gates: (() => void)[] = [];
const runtime = new ScriptedRuntime()
  .define('upper', (input) => ({ result: String(input).toUpperCase() }))
  .define(
    'gate',
    (input) => new Promise<ScriptedAnswer>((resolve) => gates.push(() => resolve({ result: input }))),
  );
const catalog = new ManifestCatalog([
  manifest('upper', { configSchema: { type: 'object', properties: { times: { type: 'integer' } } } }),
  manifest('gate'),
]);

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY_BASE: TEST_SECRET_KEY_BASE,
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  });
  const logger = createLogger('silent');
  const settings = await loadSettings(
    database.pool,
    new SettingsCipher(TEST_SECRET_KEY_BASE),
    config,
    logger,
  );
  const audit = new AuditLog(database.pool, logger);
  services = createAppServices({ config, logger, pool: database.pool, settings, audit });
  engine = createWorkflowEngine({
    databaseUrl: database.url,
    pool: database.pool,
    logger,
    node: 'http-node',
    runtime,
    catalog,
    stepUp: services.stepUp,
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
  totpSecret = await enrolTotp(app, session);
});

afterAll(async () => {
  for (const open of gates.splice(0)) open();
  await app?.close();
  services?.stop();
  await engine?.stop();
  await database?.drop();
});

async function freshCode(): Promise<string> {
  await forgetUsedTotpCodes(database.pool);
  return totpCode(totpSecret);
}

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: session.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

async function ended(runId: string): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const response = await call('GET', `/api/workflows/runs/${runId}`);
    const body = response.json<{ run: { status: string } }>();
    return ['completed', 'failed', 'cancelled'].includes(body.run.status) ? body : undefined;
  }, `run ${runId} to end`);
}

const SHOUT = {
  name: 'shout',
  steps: [
    { id: 'a', name: 'A', skill: 'upper', config: { times: 1 } },
    { id: 'b', name: 'B', skill: 'upper' },
  ],
};

describe('/api/workflows', () => {
  it('needs the admin session', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/workflows' });
    expect(response.statusCode).toBe(401);
  });

  it('answers a bad definition with 400 and every problem with its path', async () => {
    const response = await call('POST', '/api/workflows', {
      name: 'bad',
      steps: [
        { id: 'a', name: 'A', skill: 'upper', config: { times: 'twice' }, routes: { on_success: 'zz' } },
      ],
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ error: string; message: string; problems: { path: string }[] }>();
    expect(body.error).toBe('workflow_invalid');
    expect(body.problems.map((problem) => problem.path).sort()).toEqual([
      '/steps/0/config/times',
      '/steps/0/routes/on_success',
    ]);
    expect(body.message).toContain('/steps/0/config/times');
  });

  it('creates, lists, edits, runs and shows a run with its steps', async () => {
    const created = await call('POST', '/api/workflows', SHOUT);
    expect(created.statusCode).toBe(201);
    const workflow = created.json<{ id: string; version: number }>();
    expect(workflow.version).toBe(1);

    const list = (await call('GET', '/api/workflows?search=sho')).json<{ workflows: { name: string }[] }>();
    expect(list.workflows.map((item) => item.name)).toEqual(['shout']);

    const edited = await call('PUT', `/api/workflows/${workflow.id}`, { ...SHOUT, description: 'louder' });
    expect(edited.json<{ version: number }>().version).toBe(2);

    const started = await call('POST', `/api/workflows/${workflow.id}/runs`, {
      input: 'hi',
      trigger: 'manual',
    });
    expect(started.statusCode).toBe(202);
    const run = started.json<{ id: string; workflowVersion: number; trigger: string }>();
    expect(run).toMatchObject({ workflowVersion: 2, trigger: 'manual' });
    const detail = await ended(run.id);
    expect(detail).toMatchObject({
      run: { status: 'completed', output: 'HI', node: 'http-node' },
      steps: [
        { stepId: 'a', inputSnapshot: 'hi', outputSnapshot: 'HI', outcome: 'succeeded' },
        { stepId: 'b', outputSnapshot: 'HI' },
      ],
    });
    const runs = (await call('GET', `/api/workflows/${workflow.id}/runs`)).json<{ runs: { id: string }[] }>();
    expect(runs.runs.map((item) => item.id)).toContain(run.id);
  });

  it('run now with ?wait=true answers once the run has ended, with its output', async () => {
    const workflow = (await call('POST', '/api/workflows', { ...SHOUT, name: 'waited' })).json<{
      id: string;
    }>();
    const response = await call('POST', `/api/workflows/${workflow.id}/runs?wait=true`, { input: 'now' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'completed', output: 'NOW' });
  });

  it('streams live progress as server-sent events until the run ends (real HTTP on loopback)', async () => {
    const workflow = (
      await call('POST', '/api/workflows', {
        name: 'live',
        steps: [
          { id: 'wait', name: 'Wait', skill: 'gate' },
          { id: 'shout', name: 'Shout', skill: 'upper' },
        ],
      })
    ).json<{ id: string }>();
    const run = (await call('POST', `/api/workflows/${workflow.id}/runs`, { input: 'go' })).json<{
      id: string;
    }>();
    await waitFor(() => (gates.length > 0 ? true : undefined), 'the run to reach its gate');

    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${address}/api/workflows/runs/${run.id}/events`, {
      headers: { cookie: session.cookie },
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
    expect(text.startsWith('event: snapshot')).toBe(true);
    expect(text).toContain('"status":"running"');

    gates.shift()!(); // the run goes on while the stream is open
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += chunk.value;
    }
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((block) => block.split('\n')[0]!.replace('event: ', ''));
    expect(events.filter((event) => event === 'step_finished')).toHaveLength(2);
    expect(events.at(-1)).toBe('run_status');
    expect(text).toContain('"status":"completed"');
  });

  it('a requires-2FA run waits for a real TOTP code, refuses a wrong one, then runs', async () => {
    const workflow = (
      await call('POST', '/api/workflows', { ...SHOUT, name: 'guarded', requires2fa: true })
    ).json<{ id: string }>();
    const run = (await call('POST', `/api/workflows/${workflow.id}/runs`, { input: 'secret' })).json<{
      id: string;
      status: string;
    }>();
    expect(run.status).toBe('waiting_2fa');
    const wrong = await call('POST', `/api/workflows/runs/${run.id}/approve`, { totpCode: '000000' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ error: 'totp_invalid' });
    const approved = await call('POST', `/api/workflows/runs/${run.id}/approve`, {
      totpCode: await freshCode(),
    });
    expect(approved.statusCode).toBe(200);
    expect(await ended(run.id)).toMatchObject({ run: { status: 'completed', output: 'SECRET' } });
  });

  it('cancels a run once; a second cancel is a 409', async () => {
    const workflow = (
      await call('POST', '/api/workflows', {
        name: 'to cancel',
        steps: [{ id: 'g', name: 'G', skill: 'gate' }],
      })
    ).json<{ id: string }>();
    const run = (await call('POST', `/api/workflows/${workflow.id}/runs`, {})).json<{ id: string }>();
    await waitFor(() => (gates.length > 0 ? true : undefined), 'the run to reach its gate');
    const cancelled = await call('POST', `/api/workflows/runs/${run.id}/cancel`);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    gates.shift()!();
    const again = await call('POST', `/api/workflows/runs/${run.id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'run_not_cancellable' });
  });

  it('exports a workflow, imports it under a new name, and refuses a bad document with paths', async () => {
    const workflow = (await call('POST', '/api/workflows', { ...SHOUT, name: 'exported' })).json<{
      id: string;
    }>();
    const exported = await call('GET', `/api/workflows/${workflow.id}/export`);
    expect(exported.headers['content-disposition']).toContain('exported.talon-workflow.json');
    const imported = await call('POST', '/api/workflows/import', {
      document: exported.json(),
      name: 'imported',
    });
    expect(imported.statusCode).toBe(201);
    expect(imported.json()).toMatchObject({
      definition: { name: 'imported', steps: [{ id: 'a' }, { id: 'b' }] },
    });

    const bad = await call('POST', '/api/workflows/import', {
      document: { ...exported.json(), formatVersion: 9 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ problems: { path: string }[] }>().problems).toEqual([
      { path: '/formatVersion', message: 'must be equal to constant' },
    ]);
  });

  it('shows the schedule occurrences that were missed while no node ran them', async () => {
    const workflow = (
      await call('POST', '/api/workflows', { ...SHOUT, name: 'nightly', schedule: { cron: '0 3 * * *' } })
    ).json<{ id: string; scheduleStatus: string }>();
    expect(workflow.scheduleStatus).toBe('active');
    // As if every node had been down for the last three 03:00 occurrences.
    const latest = new Date();
    latest.setUTCHours(3, 0, 0, 0);
    if (latest.getTime() > Date.now() - 90_000) latest.setUTCDate(latest.getUTCDate() - 1);
    const lastTick = new Date(latest.getTime() - 3 * 86_400_000);
    await database.pool.query(sql.unsafe`
      UPDATE workflows SET schedule_last_tick_at = ${lastTick.toISOString()} WHERE id = ${workflow.id}`);
    await engine.scheduler.checkMissed(new Date());
    const response = await call('GET', `/api/workflows/${workflow.id}/missed-ticks`);
    const { missedTicks } = response.json<{ missedTicks: { scheduledFor: string; action: string }[] }>();
    expect(missedTicks).toHaveLength(3);
    expect(
      missedTicks.every((tick) => tick.action === 'skipped' && tick.scheduledFor.endsWith('T03:00:00.000Z')),
    ).toBe(true);
  });

  it('deletes a workflow; afterwards it is a 404', async () => {
    const workflow = (await call('POST', '/api/workflows', { ...SHOUT, name: 'doomed' })).json<{
      id: string;
    }>();
    expect((await call('DELETE', `/api/workflows/${workflow.id}`)).statusCode).toBe(204);
    const gone = await call('GET', `/api/workflows/${workflow.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ error: 'workflow_not_found' });
  });
});
