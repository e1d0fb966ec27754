import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogRing } from '../../logging/log-ring.ts';
import { createLogger } from '../../logging/logger.ts';
import { NodeLogs } from '../../logging/node-logs.ts';
import { generateActivity } from '../../metrics/activity-generator.ts';
import {
  enrolTotp,
  forgetUsedTotpCodes,
  loginAsAdmin,
  totpCode,
  type AdminSession,
} from '../../testing/admin-session.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../../testing/test-app.ts';
import type { ActivityView } from './activity-schemas.ts';
import type { AuditPage } from './audit-schemas.ts';
import type { Dashboard } from './dashboard-schemas.ts';
import type { LogLines, LogNodes } from './logs-schemas.ts';
import type { SessionList } from './sessions-schemas.ts';

let talon: TestApp;
let session: AdminSession;
const dataDir = mkdtempSync(path.join(tmpdir(), 'talon-operations-'));

beforeAll(async () => {
  talon = await createTestApp({ operations: { dataDir } });
  session = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD, { remoteAddress: '192.0.2.10' });
});
afterAll(async () => {
  await talon?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get<T>(
  url: string,
  as = session,
): Promise<{ status: number; body: T; headers: Record<string, unknown> }> {
  const response = await talon.app.inject({ method: 'GET', url, headers: as.headers });
  return { status: response.statusCode, body: response.json<T>(), headers: response.headers };
}

async function post(url: string, payload: Record<string, unknown> = {}, as = session) {
  return talon.app.inject({ method: 'POST', url, headers: as.headers, payload });
}

describe('the dashboard', () => {
  it("shows health, work in flight and the doctor's findings (2FA not enrolled among them)", async () => {
    const { status, body } = await get<Dashboard>('/api/dashboard');
    expect(status).toBe(200);
    const panel = body.operations!;
    expect(panel.node).toBe('test-node');
    expect(panel.health).toContainEqual(expect.objectContaining({ id: 'database', state: 'ok' }));
    expect(panel.runsInFlight).toEqual({ queued: 0, running: 0, waiting2fa: 0 });
    expect(panel.findings).toContainEqual(
      expect.objectContaining({ check: 'two_factor', severity: 'warning', title: '2FA is not enrolled' }),
    );
    // Worst first.
    const order = panel.findings.map((finding) => ['critical', 'warning', 'info'].indexOf(finding.severity));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('serves the plots of a generated day from the rollups', async () => {
    const generated = await generateActivity(talon.database.pool, { hours: 24 });
    const { status, body } = await get<ActivityView>('/api/activity?hours=24');
    expect(status).toBe(200);
    expect(body.runsPerHour).toHaveLength(24);
    expect(body.runsPerHour.reduce((sum, row) => sum + row.failed, 0)).toBe(generated.runs.failed);
    expect(body.callsPerSkill.map((row) => row.skill).sort()).toEqual(
      Object.keys(generated.skillCalls).sort(),
    );
    expect(body.skillLatencyPerHour.some((row) => row.p99Ms !== null && row.p99Ms >= row.p50Ms!)).toBe(true);
    const refused = await get<{ message: string }>('/api/activity?hours=5');
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/hours/);
  });
});

describe('the audit log', () => {
  beforeAll(async () => {
    for (const [actor, action, outcome, target] of [
      ['skill:rss_fetch', 'skillapi.http', 'denied', 'evil.example'],
      ['skill:rss_fetch', 'skillapi.storage.get', 'allowed', 'feeds'],
      ['admin', 'skill.load', 'succeeded', 'rss_fetch'],
      ['admin', 'settings.update', 'succeeded', '=HYPERLINK("http://x")'],
    ] as const) {
      await talon.audit.record({ actor, action, outcome, target, details: { note: 'test' } });
    }
  });

  it('filters by actor, action, outcome, skill and time, a page at a time', async () => {
    const bySkill = await get<AuditPage>('/api/audit?skill=rss_fetch');
    expect(bySkill.body.entries.map((entry) => entry.action)).toEqual([
      'skill.load',
      'skillapi.storage.get',
      'skillapi.http',
    ]);
    const denied = await get<AuditPage>('/api/audit?actor=skill:&outcome=denied');
    expect(denied.body.entries.map((entry) => entry.target)).toEqual(['evil.example']);
    const skillActions = await get<AuditPage>('/api/audit?action=skillapi.');
    expect(skillActions.body.entries).toHaveLength(2);
    const future = await get<AuditPage>(`/api/audit?from=${encodeURIComponent('2099-01-01T00:00:00Z')}`);
    expect(future.body.entries).toEqual([]);

    const first = await get<AuditPage>('/api/audit?limit=2');
    expect(first.body.entries).toHaveLength(2);
    expect(first.body.nextBefore).toBe(first.body.entries[1]!.id);
    const second = await get<AuditPage>(`/api/audit?limit=2&before=${first.body.nextBefore}`);
    expect(second.body.entries[0]!.id).toBeLessThan(first.body.entries[1]!.id);

    const bad = await get<{ message: string }>('/api/audit?outcome=maybe');
    expect(bad.status).toBe(400);
  });

  it('exports the filtered entries as CSV (formulas defused) and as JSON', async () => {
    const csv = await talon.app.inject({
      method: 'GET',
      url: '/api/audit/export?format=csv&action=settings.',
      headers: session.headers,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="talon-audit-.*\.csv"$/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,action,target,outcome,reason,source,details');
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://x"")"`);
    const json = await talon.app.inject({
      method: 'GET',
      url: '/api/audit/export?format=json&skill=rss_fetch',
      headers: session.headers,
    });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(json.body)).toHaveLength(3);
  });
});

describe('sessions', () => {
  it('lists the open sessions with address and user agent, and marks this one', async () => {
    const other = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD, { remoteAddress: '198.51.100.9' });
    const { body } = await get<SessionList>('/api/sessions');
    const mine = body.sessions.find((entry) => entry.current);
    expect(mine?.source).toBe('192.0.2.10');
    const theirs = body.sessions.find((entry) => entry.source === '198.51.100.9')!;
    expect(theirs.current).toBe(false);
    expect(body.codeRequired).toBe(false);
    // Before 2FA is enrolled, ending another session needs no code.
    const ended = await post(`/api/sessions/${theirs.id}/end`);
    expect(ended.json()).toEqual({ ended: 1 });
    expect((await get('/api/dashboard', other)).status).toBe(401);
  });

  it('needs a fresh code to end other sessions once 2FA is enrolled', async () => {
    const secret = await enrolTotp(talon.app, session);
    const other = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD, { remoteAddress: '198.51.100.10' });
    const another = await loginAsAdmin(talon.app, TEST_ADMIN_PASSWORD, { remoteAddress: '198.51.100.11' });
    // The other session cannot throw the owner out without the code.
    const { body } = await get<SessionList>('/api/sessions', other);
    expect(body.codeRequired).toBe(true);
    const owners = body.sessions.find((entry) => entry.source === '192.0.2.10')!;
    const refused = await post(`/api/sessions/${owners.id}/end`, {}, other);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe('totp_required');
    expect((await get('/api/dashboard')).status).toBe(200);

    await forgetUsedTotpCodes(talon.database.pool);
    const all = await post('/api/sessions/end-others', { totpCode: await totpCode(secret) });
    expect(all.statusCode).toBe(200);
    expect(all.json<{ ended: number }>().ended).toBeGreaterThanOrEqual(2);
    expect((await get('/api/dashboard', other)).status).toBe(401);
    expect((await get('/api/dashboard', another)).status).toBe(401);
    expect((await get('/api/dashboard')).status).toBe(200);
    const audited = await talon.audit.recent({ action: 'auth.session_end' });
    expect(audited[0]).toMatchObject({ target: 'all others', outcome: 'succeeded' });
  });
});

describe('logs', () => {
  it("shows this node's recent lines, secrets redacted, filtered by level and text", async () => {
    const logger = talon.app.log;
    logger.warn({ password: 'hunter2-should-not-show', user: 'owner' }, 'a warning with a password in it');
    logger.info('an ordinary info line about feeds');
    const warnings = await get<LogLines>('/api/logs?level=warn&text=password');
    expect(warnings.body.node).toBe('test-node');
    expect(warnings.body.lines).toHaveLength(1);
    expect(warnings.body.lines[0]!.level).toBe('warn');
    expect(warnings.body.lines[0]!.line).toContain('[redacted]');
    expect(warnings.body.lines[0]!.line).not.toContain('hunter2');
    const feeds = await get<LogLines>('/api/logs?text=FEEDS');
    expect(feeds.body.lines.map((line) => JSON.parse(line.line).msg)).toContain(
      'an ordinary info line about feeds',
    );
  });

  it("lists every node that logged lately and shows another node's lines", async () => {
    const ring = new LogRing();
    const nodeB = new NodeLogs(talon.database.pool, 'node-b', ring);
    createLogger('info', ring).error({ token: 'abc' }, 'node b lost its sidecar');
    await nodeB.ship();
    const nodes = await get<LogNodes>('/api/logs/nodes');
    expect(nodes.body.thisNode).toBe('test-node');
    expect(nodes.body.nodes.map((node) => node.node)).toEqual(['test-node', 'node-b']);
    const lines = await get<LogLines>('/api/logs?node=node-b&level=error');
    expect(lines.body.lines.map((line) => JSON.parse(line.line).msg)).toEqual(['node b lost its sidecar']);
    expect(lines.body.lines[0]!.line).not.toContain('abc');
  });

  it('streams new lines live through server-sent events', async () => {
    const url = await talon.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const controller = new AbortController();
      const response = await fetch(`${url}/api/logs/events?text=live-marker`, {
        headers: { cookie: session.cookie },
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body!.getReader();
      let text = '';
      const read = async (until: string): Promise<void> => {
        while (!text.includes(until)) text += new TextDecoder().decode((await reader.read()).value);
      };
      await read('event: snapshot');
      talon.app.log.info('live-marker arrives');
      await read('event: line');
      expect(text).toContain('live-marker arrives');
      controller.abort();
    } finally {
      await talon.app.server.close();
    }
  });
});

describe('backups from the admin', () => {
  it('backs up now into the backup folder and lists it', async () => {
    const created = await post('/api/backups');
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ backup: { status: 'succeeded', trigger: 'admin' } });
    const list = await get<{ backups: { file: string }[]; folder: string; keep: number }>('/api/backups');
    expect(list.body.folder).toBe(path.join(dataDir, 'backups'));
    expect(list.body.backups[0]!.file).toContain(path.join(dataDir, 'backups', 'talon-backup-test-node-'));
    const rows = await talon.database.pool.anyFirst(sql.unsafe`SELECT status FROM backups`);
    expect(rows).toEqual(['succeeded']);
  });
});
