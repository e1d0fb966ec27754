import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import {
  BOT_TOKEN,
  OWNER,
  startGatewayNode,
  waitConnected,
  type GatewayNode,
} from './support/gateway-harness.ts';

// Two nodes share one database and one bot; repeats are coalesced within 1.5 s (10 min in production).
let database: TestDatabase;
let fake: FakeBotApi;
let a: GatewayNode;
let b: GatewayNode;
const timings = { announcementRepeatWindowMs: 1_500 };

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await FakeBotApi.start({ token: BOT_TOKEN });
  a = await startGatewayNode(database, fake, { node: 'node-a', timings });
  b = await startGatewayNode(database, fake, { node: 'node-b', timings });
  await waitConnected(a);
  await waitConnected(b);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await fake?.close();
  await database?.drop();
});

const toOwner = (pattern: RegExp) => fake.sentTo(OWNER).filter((message) => pattern.test(message.text));

describe('announcements', () => {
  it('tells the owner about breakers, tampered skills, failed runs, missed schedules and blocked logins, from any node', async () => {
    a.breakers.emit('change', {
      skill: 'rss_fetch',
      from: 'closed',
      to: 'open',
      failures: 3,
      lastError: 'HTTP 503',
    });
    b.lifecycleEvents.emit('skill.tampered', {
      name: 'weather',
      reason: 'the checksum changed since approval',
    });
    const workflow = await b.engine.service.create({
      name: 'Nightly',
      steps: [{ id: 'fetch', name: 'Fetch', skill: 'fail' }],
    });
    await b.engine.service.trigger(workflow.id, { trigger: 'manual', actor: 'admin' });
    await database.pool.query(sql.unsafe`
      INSERT INTO workflow_missed_ticks (workflow_id, scheduled_for, policy, action)
      VALUES (${workflow.id}, now() - interval '2 hours', 'skip', 'skipped'), (${workflow.id}, now() - interval '1 hour', 'skip', 'skipped')`);
    await a.audit.record({
      actor: 'admin',
      action: 'auth.login',
      source: '203.0.113.9',
      outcome: 'denied',
      reason: 'rate_limited',
      details: { blockedForSeconds: 900 },
    });

    await fake.waitForSent((m) =>
      /Circuit of rss_fetch opened after 3 failures \(last: HTTP 503\)/.test(m.text),
    );
    await fake.waitForSent((m) => /Skill weather was not loaded: the checksum changed/.test(m.text));
    const failed = await fake.waitForSent((m) => /Workflow “Nightly” failed/.test(m.text));
    expect(failed.text).toMatch(/failed at step fetch: the service answered 500 \(run [0-9a-f]{8}\)/);
    await fake.waitForSent((m) =>
      /Workflow “Nightly” missed 2 scheduled runs while no node was up; they were skipped/.test(m.text),
    );
    await fake.waitForSent((m) => /Admin login blocked for 15 min for 203\.0\.113\.9/.test(m.text));
    expect(fake.sentTo(OWNER).every((message) => message.parse_mode === undefined)).toBe(true);
  });

  it('stays quiet about a kind the owner switched off', async () => {
    await a.settings.set('telegram.announce.circuit_closed', false);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the other node hears of it through NOTIFY
    try {
      a.breakers.emit('change', { skill: 'quiet', from: 'open', to: 'closed', failures: 0, lastError: null });
      b.breakers.emit('change', { skill: 'quiet', from: 'open', to: 'closed', failures: 0, lastError: null });
      a.announcements.announce({ kind: 'circuit_opened', key: 'marker', text: 'marker announcement' });
      await fake.waitForSent((m) => m.text === 'marker announcement');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(toOwner(/Circuit of quiet closed/)).toEqual([]);
    } finally {
      await a.settings.set('telegram.announce.circuit_closed', true);
    }
  });

  it('coalesces repeats of one kind and key, so a flapping skill cannot flood the chat', async () => {
    for (let i = 0; i < 14; i++) {
      (i % 2 === 0 ? a : b).breakers.emit('change', {
        skill: 'flappy',
        from: 'closed',
        to: 'open',
        failures: 3,
        lastError: `error ${i}`,
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const counted = () =>
      toOwner(/Circuit of flappy opened/).reduce(
        (sum, m) => sum + Number(/\((\d+) times in/.exec(m.text)?.[1] ?? 1),
        0,
      );
    await expect.poll(counted, { timeout: 10_000 }).toBe(14);
    // 14 openings within 1.5 s: the first alone at most, then one summary for the rest.
    const messages = toOwner(/Circuit of flappy opened/);
    expect(messages.length).toBeLessThanOrEqual(2);
    expect(messages.at(-1)!.text, JSON.stringify(messages.map((m) => m.text))).toMatch(
      /last: error 13\)\.\n\(\d+ times in \d+ s\)$/,
    );
  });
});

describe('the rate limit across nodes', () => {
  it('sends at most 20 messages a minute whichever node announced; the rest wait', async () => {
    const sentBefore = (await database.pool.oneFirst(sql.unsafe`
      SELECT count(*)::int FROM telegram_send_log WHERE purpose = 'announcements' AND at > now() - interval '1 minute'`)) as number;
    for (let i = 0; i < 30; i++) {
      (i % 2 === 0 ? a : b).announcements.announce({
        kind: 'workflow_failed',
        key: `wf-${i}`,
        text: `burst ${i}`,
      });
    }
    const budget = 20 - sentBefore;
    await expect.poll(() => toOwner(/^burst \d+$/).length, { timeout: 10_000 }).toBe(budget);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(toOwner(/^burst \d+$/)).toHaveLength(budget);
    const waiting = (await database.pool.oneFirst(sql.unsafe`
      SELECT count(*)::int FROM telegram_announcements WHERE delivered_at IS NULL AND text LIKE 'burst %'`)) as number;
    expect(waiting).toBe(30 - budget);
  });
});
