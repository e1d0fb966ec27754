import { sql } from 'slonik';
import { beforeAll, describe, expect, it } from 'vitest';
import { ask, OWNER, STRANGER } from './support/gateway-harness.ts';
import { useGatewayBed } from './support/gateway-bed.ts';

const bed = useGatewayBed();

beforeAll(async () => {
  // Replies are read in order here; an announcement in between (a run waiting for a code) would interleave.
  await bed.node.settings.set('telegram.announce.workflow_waiting_2fa', false);
});

/** Waits until the owner's next command is answered, then proves nothing else went out meanwhile. */
async function expectNoReplyTo(inject: () => void): Promise<void> {
  const before = bed.fake.sent.length;
  inject();
  await ask(bed.fake, '/ping');
  expect(bed.fake.sent.slice(before).map((message) => message.text)).toEqual(['pong from node-a']);
}

describe('owner only', () => {
  it('drops other chats, groups (even with the owner as sender) and impostor senders without a word', async () => {
    await expectNoReplyTo(() => bed.fake.message({ chatId: STRANGER, text: '/ping' }));
    await expectNoReplyTo(() =>
      bed.fake.message({ chatId: -100_123, fromId: OWNER, chatType: 'supergroup', text: '/ping' }),
    );
    await expectNoReplyTo(() => bed.fake.message({ chatId: OWNER, chatType: 'group', text: '/status' }));
    await expectNoReplyTo(() => bed.fake.message({ chatId: OWNER, fromId: STRANGER, text: '/ping' }));
    expect(bed.fake.sentTo(STRANGER)).toEqual([]);
  });

  it('counts refused chats for the admin and audits each at most once a minute, without the message text', async () => {
    for (let i = 0; i < 3; i++) bed.fake.message({ chatId: 777_001, text: `secret plans ${i}` });
    await ask(bed.fake, '/ping');
    const refused = await bed.node.gateway.refusedChats();
    expect(refused.find((chat) => chat.chatId === '777001')).toMatchObject({ chatType: 'private', count: 3 });
    const audits = await bed.database.pool.any(sql.unsafe`
      SELECT actor, reason, details FROM audit_log WHERE action = 'telegram.message' AND source = '777001'`);
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits)).not.toContain('secret plans');
  });

  it('drops edits, callbacks, unknown updates; tells the owner a photo is not read; goes on', async () => {
    const before = bed.fake.sent.length;
    bed.fake.inject({
      edited_message: { ...bed.fake.buildMessage({ chatId: OWNER, text: '/ping' }), edit_date: 1 },
    });
    bed.fake.inject({
      callback_query: {
        id: '1',
        from: { id: OWNER, is_bot: false, first_name: 'O' },
        chat_instance: 'x',
        data: 'run',
      },
    });
    bed.fake.inject({ some_future_update: { anything: true } });
    bed.fake.message({
      chatId: OWNER,
      extra: { photo: [{ file_id: 'f', file_unique_id: 'u', width: 1, height: 1 }] },
    });
    expect(await bed.fake.waitForSent(() => true, { since: before })).toMatchObject({
      text: expect.stringMatching(/text messages only/),
    });
    expect(await ask(bed.fake, '/ping')).toBe('pong from node-a');
    expect(bed.fake.sent.slice(before)).toHaveLength(2);
    const status = await bed.node.gateway.status();
    expect(status.dropped).toMatchObject({ edited_message: 1, callback_query: 1, unknown: 1, non_text: 1 });
  });

  it('reads nothing longer than Telegram allows', async () => {
    expect(await ask(bed.fake, 'x'.repeat(5000))).toMatch(/too long/);
  });
});

describe('commands', () => {
  it('/start and /help list every command of the table', async () => {
    expect(await ask(bed.fake, '/start')).toMatch(/Talon is ready \(node node-a\)/);
    const help = await ask(bed.fake, '/help');
    for (const command of [
      '/start',
      '/help',
      '/ping',
      '/status',
      '/skills',
      '/workflows',
      '/run',
      '/runs',
      '/cancel',
      '/approve',
      '/record <url>',
      '/replay <recipe>',
      '/automations',
      '/setup 2fa',
      '/confirm 2fa',
      '/disable 2fa',
    ]) {
      expect(help).toContain(command);
    }
    // The bot's command menu is the same table.
    expect(bed.fake.commands.map((command) => command.command)).toEqual([
      'start',
      'help',
      'ping',
      'status',
      'skills',
      'workflows',
      'run',
      'runs',
      'cancel',
      'approve',
      'shell',
      'github',
      'record',
      'replay',
      'automations',
      'setup',
      'confirm',
      'disable',
    ]);
  });

  it('/ping@botname works like /ping; an unknown command says so; free text without a workflow says what to do', async () => {
    expect(await ask(bed.fake, '/ping@talon_test_bot')).toBe('pong from node-a');
    expect(await ask(bed.fake, '/rss')).toBe('Unknown command /rss. /help lists the commands.');
    expect(await ask(bed.fake, 'hello there')).toBe('I only understand commands: /help lists them.');
  });

  it('/status and /skills show skills with their kind and circuit', async () => {
    const status = await ask(bed.fake, '/status');
    expect(status).toMatch(/uptime: /);
    expect(status).toMatch(/memory: \d+ MB/);
    expect(status).toMatch(/skills loaded: 2/);
    expect(status).toMatch(/open circuits: flaky \(open\)/);
    expect(status).toMatch(/runs in flight: \d+ running/);
    expect(await ask(bed.fake, '/skills')).toBe(
      '2 skills loaded:\n• echo — core, circuit closed\n• flaky — dynamic, circuit open',
    );
  });

  it('/workflows, /run by name in quotes with JSON input, by id prefix, ambiguous and unknown; /runs', async () => {
    const morning = await bed.node.engine.service.create({
      name: 'Morning report',
      steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
    });
    const news = await bed.node.engine.service.create({
      name: 'Morning news',
      steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
      schedule: { cron: '0 7 * * *', timezone: 'Europe/Paris', missedRunPolicy: 'skip' },
    });
    const workflows = await ask(bed.fake, '/workflows');
    expect(workflows).toMatch(
      new RegExp(`^• Morning report \\(${morning.id.slice(0, 8)}\\) — enabled$`, 'm'),
    );
    expect(workflows).toContain(`• Morning news (${news.id.slice(0, 8)}) — enabled, schedule 0 7 * * *`);

    const started = await ask(bed.fake, '/run "Morning report" {"city":"Lyon"}');
    expect(started).toMatch(/^Started “Morning report”: run ([0-9a-f]{8})/);
    const runId = /run ([0-9a-f]{8})/.exec(started)![1]!;
    await expect
      .poll(async () => (await bed.node.engine.runs.list({ workflowId: morning.id }))[0]?.status)
      .toBe('completed');
    expect((await bed.node.engine.runs.list({ workflowId: morning.id }))[0]).toMatchObject({
      trigger: 'telegram',
      output: { city: 'Lyon' },
    });

    expect(await ask(bed.fake, `/run ${morning.id.slice(0, 6)}`)).toMatch(/Started “Morning report”/);
    expect(await ask(bed.fake, '/run morning')).toMatch(
      /“morning” matches 2 workflows; say which:\n• Morning (report|news)/,
    );
    expect(await ask(bed.fake, '/run nothing-like-it')).toBe(
      'No workflow matches “nothing-like-it”. /workflows lists them.',
    );
    expect(await ask(bed.fake, '/run "Morning report" {city:')).toMatch(/not valid JSON/);
    expect(await ask(bed.fake, '/run')).toMatch(/^Usage: \/run/);
    const runs = await ask(bed.fake, '/runs 5');
    expect(runs).toContain(`• ${runId} Morning report — completed`);
    expect(await ask(bed.fake, '/runs lots')).toMatch(/^Usage: \/runs/);
  });

  it('/cancel cancels an unfinished run by id prefix', async () => {
    const slow = await bed.node.engine.service.create({
      name: 'Needs approval',
      requires2fa: true,
      steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
    });
    const run = await bed.node.engine.service.trigger(slow.id, { trigger: 'manual', actor: 'admin' });
    expect(run.status).toBe('waiting_2fa');
    expect(await ask(bed.fake, `/cancel ${run.id.slice(0, 8)}`)).toBe(
      `Cancelled run ${run.id.slice(0, 8)} of “Needs approval”.`,
    );
    expect((await bed.node.engine.runs.get(run.id)).status).toBe('cancelled');
    expect(await ask(bed.fake, `/cancel ${run.id.slice(0, 8)}`)).toMatch(/No unfinished run starts with/);
    expect(await ask(bed.fake, '/cancel ../etc')).toMatch(/^Usage: \/cancel/);
  });

  it('free text goes to the workflow named by telegram.free_text_workflow, with no "Started" line of its own', async () => {
    const chat = await bed.node.engine.service.create({
      name: 'Chat',
      steps: [{ id: 'e', name: 'Echo', skill: 'echo' }],
    });
    await bed.node.settings.set('telegram.free_text_workflow', 'Chat');
    try {
      const before = bed.fake.sent.length;
      bed.fake.message({ chatId: OWNER, text: 'what is on today?' });
      await expect
        .poll(async () => (await bed.node.engine.runs.list({ workflowId: chat.id }))[0]?.output)
        .toEqual({
          text: 'what is on today?',
          chatId: String(OWNER),
        });
      // The conversation's answer is the workflow's to send; the gateway adds nothing before it.
      expect(await ask(bed.fake, '/ping')).toBe('pong from node-a');
      expect(bed.fake.sent.slice(before).map((message) => message.text)).toEqual(['pong from node-a']);
    } finally {
      await bed.node.settings.set('telegram.free_text_workflow', '');
    }
  });
});
