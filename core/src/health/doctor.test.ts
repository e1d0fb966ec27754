import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WallStatus } from '@talon/skill-runtime/sandbox/wall.ts';
import { loadConfig } from '../config/env.ts';
import type { ResolvedSecretKeyBase } from '../crypto/secret-key-base.ts';
import type { SettingsStore } from '../settings/store.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { loadTestSettings } from '../testing/test-settings.ts';
import { webhookSecretSetting } from '../webhooks/workflow-webhooks.ts';
import { exposedDisplays, parseProcNetTcp } from './checks/display-exposure.ts';
import { DOCTOR_CHECKS } from './doctor-checks.ts';
import { runDoctor, type DoctorContext } from './doctor.ts';
import { doctorExitCode, type Finding } from './finding.ts';

const STRONG_KEY = 'k'.repeat(20) + 'a-long-secret-key-base-from-the-environment-0123456789';
const WALL_UP: WallStatus = { up: true, mechanism: 'bubblewrap', detail: 'walled' };

let database: TestDatabase;
let settings: SettingsStore;
let dataDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  settings = await loadTestSettings(database.pool, STRONG_KEY);
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'talon-doctor-'));
  return () => rmSync(dataDir, { recursive: true, force: true });
});

/** A hardened installation, with what a test changes. */
async function doctor(
  options: {
    env?: Record<string, string>;
    secretKey?: ResolvedSecretKeyBase;
    wall?: WallStatus;
    settings?: Record<string, string | boolean>;
    backupDaysAgo?: number | null;
  } = {},
): Promise<Finding[]> {
  const config = loadConfig(
    {
      NODE_ENV: 'production',
      SECRET_KEY_BASE: STRONG_KEY,
      ADMIN_PASSWORD: 'a long and unusual admin pass phrase',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      ...options.env,
    },
    dataDir,
  );
  const changes: Record<string, string | boolean> = {
    'auth.totp.secret': 'JBSWY3DPEHPK3PXP',
    'auth.totp.enabled': true,
    'shell.enabled': false,
    'shell.whitelist': JSON.stringify(['df -h', 'uptime']),
    'skills.http.allow_private_addresses': false,
    'skills.http.allow_plain_http': false,
    'server.public_url': '',
    'github.token': '',
    'github.webhook_secret': '',
    'web_automator.enabled': false,
    'web_automator.host': 'http://127.0.0.1:6900',
    ...options.settings,
  };
  for (const [key, value] of Object.entries(changes)) await settings.set(key, value);
  await database.pool.query(sql.unsafe`DELETE FROM backups`);
  const backupDaysAgo = options.backupDaysAgo === undefined ? 1 : options.backupDaysAgo;
  if (backupDaysAgo !== null) {
    await database.pool.query(sql.unsafe`
      INSERT INTO backups (trigger, node, status, file, bytes, finished_at)
      VALUES ('cli', 'test', 'succeeded', '/backups/a.tar.gz', 10, now() - make_interval(days => ${backupDaysAgo}))`);
  }
  const context: DoctorContext = {
    config,
    secretKey: options.secretKey ?? { value: STRONG_KEY, source: 'env' },
    pool: database.pool,
    embeddedDatabase: false,
    settings,
    wall: async () => options.wall ?? WALL_UP,
    now: () => new Date(),
  };
  return runDoctor(DOCTOR_CHECKS, context);
}

function above(findings: Finding[], severity: 'info' | 'warning'): Finding[] {
  return findings.filter((finding) =>
    severity === 'info' ? finding.severity !== 'info' : finding.severity === 'critical',
  );
}

describe('talon doctor', () => {
  it('finds nothing above info on a hardened installation, and says what it checked', async () => {
    const findings = await doctor();
    expect(above(findings, 'info')).toEqual([]);
    expect(doctorExitCode(findings)).toBe(0);
    expect(new Set(findings.map((finding) => finding.check))).toEqual(
      new Set(DOCTOR_CHECKS.map((check) => check.id)),
    );
  });

  it('reports a weak or common admin password as critical, a missing one as a warning', async () => {
    const common = await doctor({ env: { ADMIN_PASSWORD: 'Password1' } });
    expect(above(common, 'warning')).toEqual([
      expect.objectContaining({
        check: 'admin_password',
        title: expect.stringContaining('10,000 most common'),
      }),
    ]);
    const short = await doctor({ env: { ADMIN_PASSWORD: 'x7#kQ9!b' } });
    expect(above(short, 'warning')[0]?.title).toContain('8 characters long (fewer than 12)');
    expect(doctorExitCode(short)).toBe(2);
  });

  it('warns about 2FA not enrolled, a key in the data folder and no recent backup: exit 1', async () => {
    const keyFile = path.join(dataDir, 'secret_key_base');
    writeFileSync(keyFile, STRONG_KEY, { mode: 0o600 });
    const findings = await doctor({
      settings: { 'auth.totp.enabled': false },
      secretKey: { value: STRONG_KEY, source: 'file', file: keyFile },
      backupDaysAgo: 9,
    });
    expect(
      above(findings, 'info')
        .map((finding) => finding.check)
        .sort(),
    ).toEqual(['backup.recent', 'secret_key', 'two_factor']);
    expect(doctorExitCode(findings)).toBe(1);
    expect(findings.find((finding) => finding.check === 'backup.recent')?.title).toBe(
      'The last backup is 9 days old',
    );
  });

  it('reports a short key, a key readable by others and a key that does not open the secrets', async () => {
    const keyFile = path.join(dataDir, 'secret_key_base');
    writeFileSync(keyFile, 'short-but-valid-key-0123456789abcdef', { mode: 0o644 });
    chmodSync(keyFile, 0o644);
    const findings = await doctor({
      secretKey: { value: 'short-but-valid-key-0123456789abcdef', source: 'file', file: keyFile },
    });
    const titles = findings
      .filter((finding) => finding.check === 'secret_key')
      .map((finding) => finding.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'SECRET_KEY_BASE is not the key the stored secrets were encrypted with',
        expect.stringContaining('fewer than 64'),
        `${keyFile} can be read by other users`,
      ]),
    );
  });

  it('reports the wall down, the shell on and an entry that allows any command', async () => {
    const findings = await doctor({
      wall: { up: false, mechanism: 'none', detail: 'bubblewrap (bwrap) was not found' },
      settings: {
        'shell.enabled': true,
        'shell.whitelist': JSON.stringify(['df -h', 'bash <path under /tmp>', 'cat <path under />']),
      },
    });
    const critical = above(findings, 'warning');
    expect(critical.map((finding) => finding.title)).toEqual(
      expect.arrayContaining([
        'Skill workers run without the second wall',
        'The shell whitelist entry "bash <path under /tmp>" allows any command',
        'The shell whitelist entry "cat <path under />" allows any command',
      ]),
    );
    expect(findings.find((finding) => finding.title.startsWith('The shell is on'))?.severity).toBe('warning');
  });

  it('reports Talon on a public address, a plain-http public URL and a public database', async () => {
    const findings = await doctor({
      env: { HOST: '203.0.113.5', DATABASE_URL: 'postgres://talon:pw@198.51.100.20:5432/talon' },
      settings: { 'server.public_url': 'http://talon.example.org' },
    });
    const titles = above(findings, 'warning').map((finding) => finding.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Talon listens on 203.0.113.5:5001, reachable from a public address without TLS',
        'server.public_url is plain http (http://talon.example.org)',
        'PostgreSQL is reached at a public address (198.51.100.20)',
      ]),
    );
    // A private network between nodes is fine; a LAN address without TLS is a warning.
    const privateNetwork = await doctor({
      env: { HOST: '192.168.1.20', DATABASE_URL: 'postgres://talon:pw@10.0.0.5:5432/talon' },
    });
    expect(privateNetwork.find((finding) => finding.check === 'database.exposure')?.severity).toBe('info');
    expect(privateNetwork.find((finding) => finding.check === 'server.exposure')?.severity).toBe('warning');
  });

  it('reports skills allowed onto private networks or plain http, and a sidecar on a public address', async () => {
    const findings = await doctor({
      settings: {
        'skills.http.allow_private_addresses': true,
        'skills.http.allow_plain_http': true,
        'web_automator.enabled': true,
        'web_automator.host': 'http://203.0.113.9:6900',
      },
    });
    expect(
      findings.filter((finding) => finding.check === 'skills.network').map((finding) => finding.severity),
    ).toEqual(['warning', 'warning']);
    expect(findings.find((finding) => finding.check === 'automation.exposure')?.severity).toBe('critical');
  });

  it('reports a provider marked local on a public address, and a GitHub setup without its webhook secret', async () => {
    await database.pool.query(sql.unsafe`
      INSERT INTO llm_providers (id, name, kind, base_url, model, tier, locality)
      VALUES ('fake_local', 'Not so local', 'openai', 'https://203.0.113.44/v1', 'm', 'local', 'local'),
             ('real_local', 'Ollama', 'openai', 'http://127.0.0.1:11434/v1', 'm', 'local', 'local')`);
    try {
      const findings = await doctor({ settings: { 'github.token': 'ghp_example' } });
      const llm = findings.filter((finding) => finding.check === 'llm.locality');
      expect(llm).toEqual([
        expect.objectContaining({
          severity: 'critical',
          title: expect.stringContaining('"Not so local" is marked local'),
        }),
      ]);
      expect(findings.find((finding) => finding.check === 'webhooks')?.severity).toBe('warning');
    } finally {
      await database.pool.query(sql.unsafe`DELETE FROM llm_providers`);
    }
  });

  it('reports a workflow webhook trigger that is on without its secret, by the workflow’s name', async () => {
    const workflow = await database.pool.one(
      sql.unsafe`INSERT INTO workflows (name) VALUES ('Orders in') RETURNING id::text AS id`,
    );
    const id = (workflow as { id: string }).id;
    await database.pool.query(sql.unsafe`INSERT INTO workflow_webhooks (workflow_id) VALUES (${id})`);
    try {
      const secretSetting = { type: 'string', category: 'workflows', sensitive: true } as const;
      await settings.set(webhookSecretSetting(id), 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=', secretSetting);
      expect(
        (await doctor()).filter((finding) => finding.check === 'webhooks').map((f) => f.severity),
      ).toEqual(['info']);

      await settings.set(webhookSecretSetting(id), '', secretSetting);
      const webhooks = (await doctor()).filter((finding) => finding.check === 'webhooks');
      expect(webhooks).toEqual([
        expect.objectContaining({
          severity: 'warning',
          title: 'The webhook trigger of “Orders in” is on without its secret',
        }),
      ]);
    } finally {
      await database.pool.query(sql.unsafe`DELETE FROM workflows WHERE id = ${id}`);
    }
  });

  it('reports a VNC server listening beyond loopback on this machine, and not one on loopback', async () => {
    const listen = async (host: string): Promise<Server> => {
      for (let port = 5990; port <= 5999; port++) {
        const server = createServer();
        const bound = await new Promise<boolean>((resolve) => {
          server.once('error', () => resolve(false));
          server.listen(port, host, () => resolve(true));
        });
        if (bound) return server;
      }
      throw new Error('no free port among 5990–5999');
    };
    const portOf = (server: Server) => (server.address() as { port: number }).port;
    const local = await listen('127.0.0.1');
    try {
      const display = (await doctor()).filter((finding) => finding.check === 'display.exposure');
      expect(display.map((finding) => finding.severity)).toEqual(['info']);
      const open = await listen('0.0.0.0');
      try {
        const exposed = (await doctor()).filter((finding) => finding.check === 'display.exposure');
        expect(exposed).toEqual([
          expect.objectContaining({
            severity: 'critical',
            title: `A VNC server listens on 0.0.0.0:${portOf(open)} (every interface)`,
          }),
        ]);
      } finally {
        open.close();
      }
    } finally {
      local.close();
    }
  });

  it('reports a data or skills folder writable by every user', async () => {
    const skills = path.join(dataDir, 'skills');
    mkdirSync(skills);
    chmodSync(skills, 0o777);
    const findings = await doctor();
    expect(above(findings, 'warning')).toEqual([
      expect.objectContaining({ check: 'folders.permissions', fix: `chmod o-w ${skills}` }),
    ]);
  });

  it('turns a check that throws into a warning, without hiding the others', async () => {
    const findings = await runDoctor(
      [
        {
          id: 'broken',
          title: 'a broken check',
          run: () => Promise.reject(new Error('the disk is on fire')),
        },
        {
          id: 'fine',
          title: 'a fine check',
          run: async () => [{ check: 'fine', severity: 'info', title: 'ok', detail: '' }],
        },
      ],
      {} as DoctorContext,
    );
    expect(findings).toEqual([
      expect.objectContaining({ check: 'broken', severity: 'warning', detail: 'the disk is on fire' }),
      expect.objectContaining({ check: 'fine' }),
    ]);
  });
});

describe('listening sockets from /proc/net/tcp and tcp6', () => {
  const header =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  it('reads addresses in the kernel’s byte order and keeps only listeners', () => {
    const tcp =
      header +
      '   0: 0100007F:170C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n' +
      '   1: 00000000:1770 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1\n' +
      '   2: 0200A8C0:170D 0300A8C0:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1\n';
    expect(parseProcNetTcp(tcp)).toEqual([
      { address: '127.0.0.1', port: 5900 },
      { address: '0.0.0.0', port: 6000 },
    ]);
    const tcp6 =
      header +
      '   0: 00000000000000000000000001000000:170C 00000000000000000000000000000000:0000 0A 0 0 0 0 0 1 1\n' +
      '   1: 00000000000000000000000000000000:170D 00000000000000000000000000000000:0000 0A 0 0 0 0 0 2 1\n' +
      '   2: 0000000000000000FFFF00000200A8C0:170E 00000000000000000000000000000000:0000 0A 0 0 0 0 0 3 1\n';
    expect(parseProcNetTcp(tcp6)).toEqual([
      { address: '::1', port: 5900 },
      { address: '::', port: 5901 },
      { address: '::ffff:192.168.0.2', port: 5902 },
    ]);
  });

  it('names VNC and X11 ports open beyond loopback, and nothing else', () => {
    const findings = exposedDisplays([
      { address: '127.0.0.1', port: 5900 },
      { address: '::1', port: 6000 },
      { address: '0.0.0.0', port: 8080 },
      { address: '192.168.0.2', port: 5901 },
      { address: '::', port: 6001 },
    ]);
    expect(findings.map((finding) => [finding.severity, finding.title])).toEqual([
      ['critical', 'A VNC server listens on 192.168.0.2:5901'],
      ['critical', 'A X server listens on [::]:6001 (every interface)'],
    ]);
  });
});
