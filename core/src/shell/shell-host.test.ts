import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { unprivilegedWorkerUser } from '@talon/skill-runtime/sandbox/worker-user.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.ts';
import { createLogger } from '../logging/logger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { loadTestSettings } from '../testing/test-settings.ts';
import { WorkflowRepository } from '../workflows/repository.ts';
import { RunRepository } from '../workflows/run-repository.ts';
import { ManifestCatalog } from '../workflows/skill-catalog.ts';
import { defineWorkflow, manifest } from '../workflows/testing/definitions.ts';
import { OneTimeApprovals, WorkflowShellRuns } from './approvals.ts';
import { ShellJail } from './jail.ts';
import { ShellHost } from './shell-host.ts';

// The five layers of `shell.exec` as a skill's call reaches them, on a real database and jail.

let database: TestDatabase;
let settings: SettingsStore;
let host: ShellHost;
const approvals = new OneTimeApprovals();
const shell = { skill: 'shell', runId: '' };

const catalog = new ManifestCatalog([
  manifest('shell', { routes: ['on_success', 'on_error', 'on_timeout'] }),
  manifest('echo'),
]);

beforeAll(async () => {
  database = await createTestDatabase();
  const logger = createLogger('silent');
  settings = await loadTestSettings(database.pool);
  const jail = new ShellJail({ hiddenFolders: [], hiddenFiles: [], user: unprivilegedWorkerUser() });
  await jail.check();
  host = new ShellHost({
    settings,
    jail,
    approvals,
    workflowRuns: new WorkflowShellRuns(database.pool),
    audit: new AuditLog(database.pool, logger),
    logger,
  });
});

afterAll(async () => {
  await database?.drop();
});

beforeEach(async () => {
  await settings.set('shell.enabled', true);
  await settings.set('shell.whitelist', [
    'uptime',
    'echo <enum one|two>',
    'sleep <int 1-5>',
    'seq 1 <int 1-100000>',
  ]);
  shell.runId = randomUUID();
});

describe('shell.exec, layer by layer', () => {
  it('is off by default (layer 1), whatever else is right', async () => {
    await settings.set('shell.enabled', false);
    approvals.approve(shell.runId, 'uptime');
    await expect(host.exec('uptime', [], shell)).rejects.toMatchObject({ code: 'shell_disabled' });
  });

  it('needs a fresh approval for exactly this command, used once (layer 2)', async () => {
    await expect(host.exec('uptime', [], shell)).rejects.toMatchObject({ code: 'shell_code_required' });
    approvals.approve(shell.runId, 'echo one');
    await expect(host.exec('echo two', [], shell)).rejects.toMatchObject({ code: 'shell_code_required' });
    expect(await host.exec('echo one', [], shell)).toMatchObject({
      exitCode: 0,
      output: 'one\n',
      command: 'echo one',
    });
    await expect(host.exec('echo one', [], shell)).rejects.toMatchObject({ code: 'shell_code_required' });
    // Another run id's approval does not carry over.
    approvals.approve(randomUUID(), 'uptime');
    await expect(host.exec('uptime', [], shell)).rejects.toMatchObject({ code: 'shell_code_required' });
  });

  it('checks the whitelist per argument (layer 3), extra arguments included, even with an approval', async () => {
    approvals.approve(shell.runId, 'echo three');
    await expect(host.exec('echo three', [], shell)).rejects.toMatchObject({ code: 'shell_not_whitelisted' });
    approvals.approve(shell.runId, 'echo one');
    expect(await host.exec('echo', ['one'], shell)).toMatchObject({ output: 'one\n' });
    await expect(host.exec('cat /proc /etc/shadow', [], shell)).rejects.toMatchObject({
      code: 'shell_not_whitelisted',
      message: expect.stringMatching(/cat is not on the shell whitelist/),
    });
  });

  it('refuses metacharacters before anything else is asked (layer 4)', async () => {
    await expect(host.exec('uptime; cat /etc/shadow', [], shell)).rejects.toMatchObject({
      code: 'shell_metacharacter',
    });
    await expect(host.exec('echo', ['one;two'], shell)).rejects.toMatchObject({
      code: 'shell_metacharacter',
    });
  });

  it('kills at shell.timeout_seconds and caps at shell.max_output_chars (layer 5)', async () => {
    await settings.set('shell.timeout_seconds', 1);
    approvals.approve(shell.runId, 'sleep 5');
    expect(await host.exec('sleep 5', [], shell)).toMatchObject({
      timedOut: true,
      exitCode: null,
      timeoutSeconds: 1,
    });
    await settings.set('shell.timeout_seconds', 30);
    await settings.set('shell.max_output_chars', 100);
    approvals.approve(shell.runId, 'seq 1 5000');
    const long = await host.exec('seq 1 5000', [], shell);
    expect(long).toMatchObject({ exitCode: 0, truncated: true, maxOutputChars: 100 });
    expect(long.output).toHaveLength(100);
    await settings.set('shell.max_output_chars', 4000);
  });

  it('only the shell core skill may call it', async () => {
    approvals.approve(shell.runId, 'uptime');
    await expect(host.exec('uptime', [], { skill: 'echo', runId: shell.runId })).rejects.toMatchObject({
      code: 'permission_denied',
    });
  });

  it('audits what it refused and what it ran', async () => {
    const rows = await database.pool.any(sql.unsafe`
      SELECT target, outcome, reason FROM audit_log WHERE action = 'shell.exec' ORDER BY id`);
    expect(rows).toEqual(
      expect.arrayContaining([
        { target: 'echo one', outcome: 'succeeded', reason: null },
        { target: 'cat /proc /etc/shadow', outcome: 'denied', reason: 'shell_not_whitelisted' },
      ]),
    );
  });
});

describe('shell steps of a workflow run', () => {
  const workflows = (): WorkflowRepository => new WorkflowRepository(database.pool);
  const runs = (): RunRepository => new RunRepository(database.pool);

  async function runOf(definition: Record<string, unknown>, trigger: 'manual' | 'schedule'): Promise<string> {
    const record = await workflows().create(defineWorkflow(definition, catalog));
    const runId = await runs().create({
      workflowId: record.id,
      workflowVersion: record.version,
      trigger,
      input: null,
      status: 'queued',
      approvalDeadline: null,
    });
    await database.pool.query(sql.unsafe`UPDATE workflow_runs SET status = 'running' WHERE id = ${runId}`);
    return runId;
  }

  const twoStepShell = (name: string) => ({
    name,
    requires2fa: true,
    steps: [
      { id: 'up', name: 'Uptime', skill: 'shell', config: { command: 'uptime' } },
      { id: 'say', name: 'Say', skill: 'shell', config: { command: "echo 'one'" } },
    ],
  });

  it("runs each step's fixed command once, and nothing else, in a run approved with a code", async () => {
    const runId = await runOf(twoStepShell('checks'), 'manual');
    const step = { skill: 'shell', runId };
    expect(await host.exec('uptime', [], step)).toMatchObject({ exitCode: 0 });
    expect(await host.exec('echo one', [], step)).toMatchObject({ output: 'one\n' });
    // A retry, a restart after a lost node or a loop back: never again without a new code.
    await expect(host.exec('uptime', [], step)).rejects.toMatchObject({ code: 'shell_already_ran' });
    // The approval covers the fixed commands only, even whitelisted others.
    await expect(host.exec('echo two', [], step)).rejects.toMatchObject({ code: 'shell_not_approved' });
  });

  it('does not run the shell steps of a scheduled run, which had no fresh code', async () => {
    const runId = await runOf(twoStepShell('nightly'), 'schedule');
    await expect(host.exec('uptime', [], { skill: 'shell', runId })).rejects.toMatchObject({
      code: 'shell_code_required',
      message: expect.stringMatching(/scheduled run has no fresh 2FA code/),
    });
  });
});
