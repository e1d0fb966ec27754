import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '@talon/core/auth/totp.ts';
import { forgetUsedTotpCodes } from '@talon/core/testing/admin-session.ts';
import { createTestDatabase, type TestDatabase } from '@talon/core/testing/test-database.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';
import {
  ask,
  BOT_TOKEN,
  freshCode,
  startGatewayNode,
  waitConnected,
  type GatewayNode,
} from './support/gateway-harness.ts';

let database: TestDatabase;
let fake: FakeBotApi;
let node: GatewayNode;
let secret: string;
/** The gateway's clock (challenge expiry); TOTP codes follow the real clock. */
let clockOffsetMs = 0;
const now = () => Date.now() + clockOffsetMs;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await FakeBotApi.start({ token: BOT_TOKEN });
  node = await startGatewayNode(database, fake, { now });
  await waitConnected(node);
});
afterAll(async () => {
  await node?.stop();
  await fake?.close();
  await database?.drop();
});

const guarded = (name: string) =>
  node.engine.service.create({ name, requires2fa: true, steps: [{ id: 'e', name: 'Echo', skill: 'echo' }] });

async function runOf(workflowId: string) {
  return (await node.engine.runs.list({ workflowId }))[0]!;
}

describe('enrolling from Telegram', () => {
  it('refuses a 2FA run before enrolment, enrols with /setup and /confirm, deletes the key message, refuses a second /setup', async () => {
    await guarded('Early');
    expect(await ask(fake, '/run Early')).toMatch(
      /needs a 2FA code, and 2FA is not enrolled: send \/setup 2fa first/,
    );
    expect(await ask(fake, '/disable 2fa')).toBe('2FA is not enrolled.');
    expect(await ask(fake, '/setup')).toBe('Usage: /setup 2fa');

    // A key message left unconfirmed goes after ten minutes (the gateway's clock moved past them).
    const abandonedAt = fake.sent.length;
    expect(await ask(fake, '/setup 2fa')).toMatch(/deleted once 2FA is confirmed, or after 10 minutes\.$/);
    const abandoned = fake.sent[abandonedAt]!;
    clockOffsetMs = 9 * 60_000;
    await node.gateway.runDuties();
    expect(fake.deleted.map((entry) => entry.message_id)).not.toContain(abandoned.message_id);
    clockOffsetMs = 10 * 60_000 + 1_000;
    await node.gateway.runDuties(); // or the holder's own round got there first; either deletes it
    await expect
      .poll(() => fake.deleted.map((entry) => entry.message_id), { timeout: 10_000 })
      .toContain(abandoned.message_id);
    clockOffsetMs = 0;

    const before = fake.sent.length;
    const enrolment = await ask(fake, '/setup 2fa');
    expect(enrolment).toMatch(/^Add Talon to your authenticator app/);
    expect(enrolment).toMatch(/otpauth:\/\/totp\/Talon:admin\?secret=/);
    secret = /key: ([A-Z2-7]+)/.exec(enrolment)![1]!;
    const keyMessage = fake.sent[before]!;

    expect(await ask(fake, '/confirm 2fa 000000')).toMatch(/The 2FA code is wrong/);
    expect(node.twoFactor.status()).toEqual({ enrolled: false, pending: true });
    expect(await ask(fake, `/confirm 2fa ${await totpCodeAt(secret, Date.now() / 1000)}`)).toBe(
      '2FA enabled. Sensitive commands now ask for a code.',
    );
    expect(node.twoFactor.status()).toEqual({ enrolled: true, pending: false });
    await expect.poll(() => fake.deleted.map((entry) => entry.message_id)).toContain(keyMessage.message_id);
    expect(await ask(fake, '/setup 2fa')).toMatch(/already enrolled/);
    await forgetUsedTotpCodes(database.pool);
  });
});

describe('challenges', () => {
  it('a requires-2FA /run waits for a code and runs once it comes', async () => {
    const workflow = await guarded('Pay bills');
    expect(await ask(fake, '/run Pay bills')).toMatch(
      /^To run “Pay bills” \(run [0-9a-f]{8}\), send the 6-digit code .* within 120 s\.$/,
    );
    expect((await runOf(workflow.id)).status).toBe('waiting_2fa');
    expect(await ask(fake, await freshCode(secret, database))).toMatch(
      /^Code accepted: run [0-9a-f]{8} of “Pay bills”/,
    );
    await expect.poll(async () => (await runOf(workflow.id)).status).toBe('completed');
  });

  it('/approve asks for the code of a run something else started (a schedule, a webhook) and runs it', async () => {
    const workflow = await guarded('Nightly transfer');
    const before = fake.sent.length;
    const run = await node.engine.service.trigger(workflow.id, { trigger: 'manual', actor: 'admin' });
    expect(run.status).toBe('waiting_2fa');
    // The owner is told, and told how (the announcement arrives on its own, before any command below).
    const announcement = await fake.waitForSent((sent) => sent.text.includes('waits for a 2FA code'), {
      since: before,
    });
    expect(announcement.text).toContain(`send /approve ${run.id.slice(0, 8)}`);
    expect(await ask(fake, '/approve x')).toMatch(/^Usage: \/approve <run id prefix>/);
    expect(await ask(fake, '/approve ffffffff-ffff')).toBe(
      'No run waiting for a code starts with ffffffff-ffff.',
    );
    expect(await ask(fake, `/approve ${run.id.slice(0, 8)}`)).toMatch(
      new RegExp(`^To run “Nightly transfer” \\(run ${run.id.slice(0, 8)}\\), send the 6-digit code`),
    );
    expect(await ask(fake, await freshCode(secret, database))).toMatch(
      new RegExp(`^Code accepted: run ${run.id.slice(0, 8)} of “Nightly transfer”`),
    );
    await expect.poll(async () => (await runOf(workflow.id)).status).toBe('completed');
    expect(await ask(fake, `/approve ${run.id.slice(0, 8)}`)).toMatch(/^No run waiting for a code/);
  });

  it('is bound to one action: a newer challenge replaces the older, and the code approves only the newer', async () => {
    const first = await guarded('Action A');
    const second = await guarded('Action B');
    await ask(fake, '/run Action A');
    await ask(fake, '/run Action B');
    expect(await ask(fake, await freshCode(secret, database))).toMatch(/of “Action B”/);
    await expect.poll(async () => (await runOf(second.id)).status).toBe('completed');
    expect((await runOf(first.id)).status).toBe('waiting_2fa');
    // Nothing is pending now: a code on its own approves nothing.
    expect(await ask(fake, await freshCode(secret, database))).toBe(
      'I only understand commands: /help lists them.',
    );
    expect((await runOf(first.id)).status).toBe('waiting_2fa');
  });

  it('refuses a code used once already (replay), and cancels after 5 wrong codes', async () => {
    const workflow = await guarded('Replay target');
    await ask(fake, '/run Replay target');
    const code = await freshCode(secret, database);
    expect(await ask(fake, code)).toMatch(/Code accepted/);
    await ask(fake, '/run Replay target');
    expect(await ask(fake, code)).toMatch(/already used.*4 attempts left/);
    for (const left of [3, 2, 1])
      expect(await ask(fake, '000000')).toMatch(new RegExp(`${left} attempts? left`));
    expect(await ask(fake, '000000')).toMatch(
      /Too many wrong codes: the request \(run “Replay target”.*\) is cancelled/,
    );
    const runs = await node.engine.runs.list({ workflowId: workflow.id });
    expect(runs.map((run) => run.status).sort()).toEqual(['completed', 'waiting_2fa']);
    // The challenge is gone: a valid code now approves nothing.
    await forgetUsedTotpCodes(database.pool);
    expect(await ask(fake, await freshCode(secret, database))).toBe(
      'I only understand commands: /help lists them.',
    );
  });

  it('expires after 120 s (gateway clock moved on)', async () => {
    expect(await ask(fake, '/disable 2fa')).toMatch(
      /^To turn 2FA off, send the 6-digit code .* within 120 s/,
    );
    clockOffsetMs = 121_000;
    try {
      expect(await ask(fake, await freshCode(secret, database))).toBe(
        'That request (turn 2FA off) expired: send the command again.',
      );
    } finally {
      clockOffsetMs = 0;
    }
    expect(node.twoFactor.status().enrolled).toBe(true);
  });
});

describe('restart during a challenge', () => {
  it('keeps the challenge in PostgreSQL: a new gateway process approves it', async () => {
    expect(await ask(fake, '/disable 2fa')).toMatch(/To turn 2FA off/);
    await node.stop();
    node = await startGatewayNode(database, fake, { now, node: 'node-a' });
    await waitConnected(node);
    expect(await ask(fake, await freshCode(secret, database))).toBe('2FA disabled.');
    expect(node.twoFactor.status().enrolled).toBe(false);
  });
});
