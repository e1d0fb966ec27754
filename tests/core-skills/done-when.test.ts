import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../fakes/llm/openai.ts';
import type { FakeLlmServer } from '../fakes/llm/fake-llm-server.ts';
import { rssFeed } from '../fakes/web.ts';
import { OPENAI_MODEL, OWNER_CHAT, startCoreSkillsBed, type CoreSkillsBed } from './support/talon-bed.ts';

// Issue 13's "Done when", tried as a new user would, against fakes on loopback: a Talon started with
// OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL and TELEGRAM_*, the core skills Talon ships.
let bed: CoreSkillsBed;
let backup: FakeLlmServer | undefined;

beforeAll(async () => {
  bed = await startCoreSkillsBed();
}, 120_000);
afterAll(async () => {
  await bed?.close();
  await backup?.close();
});

type RunView = { id: string; status: string; trigger: string; output: unknown; errorCode: string | null };
type StepView = {
  stepId: string;
  skill: string;
  outcome: string;
  branch: string | null;
  apiCalls: { method: string; note?: string; error?: string }[];
};

/** The user message the fake model last received. */
function lastPrompt(): string {
  const body = bed.openai.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
  return body.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
}

function systemPrompt(): string {
  const body = bed.openai.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
  return body.messages.find((message) => message.role === 'system')?.content ?? '';
}

async function runDetail(runId: string): Promise<{ run: RunView; steps: StepView[] }> {
  return bed.ok('GET', `/api/workflows/runs/${runId}`);
}

describe('the core skills in a started Talon', () => {
  it('POST /api/skills/llm_transform/run with {"prompt": "Summarise: {input}"} answers with the fake model', async () => {
    bed.openai.script({ answer: 'Talon 2.0 ships core skills.' });
    const answer = await bed.ok<{ ok: boolean; result: unknown; branch: string }>(
      'POST',
      '/api/skills/llm_transform/run',
      {
        input: 'Release notes: Talon 2.0 ships web_fetch, rss_fetch and friends.',
        config: { prompt: 'Summarise: {input}' },
      },
    );
    expect(answer).toMatchObject({ ok: true, branch: 'on_success', result: 'Talon 2.0 ships core skills.' });
    // The model of OPENAI_MODEL was asked; the input came as data between delimiters of this call.
    expect((bed.openai.requests.at(-1)?.body as { model: string }).model).toBe(OPENAI_MODEL);
    const marker = /<untrusted-content-([0-9a-f]{32})>/.exec(lastPrompt())?.[1];
    expect(marker).toBeDefined();
    expect(lastPrompt()).toContain(
      'Summarise: (the input: the untrusted content at the end of this message)',
    );
    expect(lastPrompt()).toContain(
      `<untrusted-content-${marker}>\nRelease notes: Talon 2.0 ships web_fetch, rss_fetch and friends.\n</untrusted-content-${marker}>`,
    );
    expect(systemPrompt()).toContain(`<untrusted-content-${marker}>`);
  });

  it('runs rss_fetch → llm_score → llm_transform → telegram_notify on its schedule and the digest arrives in Telegram', async () => {
    const now = Date.now();
    bed.web.serve('/security.xml', {
      type: 'application/rss+xml',
      body: rssFeed('Security news', [
        {
          guid: 'cve-1',
          title: 'OpenSSH fixes a CVE',
          link: 'https://sec.example/1',
          pubDate: new Date(now - 60_000),
        },
        {
          guid: 'cats',
          title: 'Cats of the week',
          link: 'https://sec.example/2',
          pubDate: new Date(now - 120_000),
        },
        {
          guid: 'tls',
          title: 'TLS library hardening',
          link: 'https://sec.example/3',
          pubDate: new Date(now - 180_000),
        },
      ]),
    });
    await bed.loadLoopbackCopy('rss_fetch', 'rss_fetch_local');
    // A daily digest, at an hour twelve hours away so the real cron stays out of the test.
    const hour = (new Date(now).getUTCHours() + 12) % 24;
    const workflow = await bed.ok<{ id: string }>('POST', '/api/workflows', {
      name: 'Morning digest',
      schedule: { cron: `0 ${hour} * * *`, timezone: 'UTC', missedRunPolicy: 'run_once' },
      steps: [
        {
          id: 'feed',
          name: 'Feed',
          skill: 'rss_fetch_local',
          config: { url: `${bed.web.url}/security.xml` },
        },
        {
          id: 'pick',
          name: 'Pick',
          skill: 'llm_score',
          config: { topic: 'software security', threshold: 6 },
        },
        {
          id: 'digest',
          name: 'Digest',
          skill: 'llm_transform',
          config: { prompt: 'Write a digest of: {input}' },
        },
        { id: 'send', name: 'Send', skill: 'telegram_notify', config: { title: 'Your digest' } },
      ],
    });
    bed.openai.script(
      { answer: '{"scores":[{"index":0,"score":9},{"index":1,"score":1},{"index":2,"score":7}]}' },
      { answer: '• OpenSSH fixes a CVE\n• TLS library hardening' },
    );
    // The scheduler's clock moved past the next occurrence: the occurrence is due, and run once.
    const next = new Date(now);
    next.setUTCHours(hour, 0, 0, 0);
    if (next.getTime() <= now) next.setUTCDate(next.getUTCDate() + 1);
    const since = bed.telegram.sent.length;
    expect(await bed.talon.workflows.scheduler.checkMissed(new Date(next.getTime() + 5 * 60_000))).toBe(1);
    const message = await bed.telegram.waitForSent((sent) => sent.text.startsWith('Your digest'), {
      since,
      timeoutMs: 30_000,
    });
    expect(message).toMatchObject({
      chat_id: String(OWNER_CHAT),
      text: 'Your digest\n• OpenSSH fixes a CVE\n• TLS library hardening',
    });
    const runs = await bed.ok<{ runs: RunView[] }>('GET', `/api/workflows/${workflow.id}/runs`);
    expect(runs.runs).toHaveLength(1);
    expect(runs.runs[0]).toMatchObject({ trigger: 'schedule' });
    const detail = await runDetail(runs.runs[0]!.id);
    expect(detail.run.status).toBe('completed');
    expect(detail.steps.map((step) => [step.stepId, step.branch])).toEqual([
      ['feed', 'on_items'],
      ['pick', 'on_items'],
      ['digest', 'on_success'],
      ['send', 'on_delivered'],
    ]);
    // The digest prompt got only the items that scored at the threshold, best first.
    expect(lastPrompt()).toMatch(/OpenSSH fixes a CVE[\s\S]*TLS library hardening/);
    expect(lastPrompt()).not.toContain('Cats of the week');
  });

  it('falls back from a failing first provider to the second; the run record and the usage table show it', async () => {
    backup = await startFakeOpenAi('sk-backup-key-0123456789');
    backup.script({ answer: 'Answer from the backup.' });
    // The seeded provider (OPENAI_*) first; a second one behind it, local like it.
    await bed.ok('POST', '/api/llm/providers', {
      id: 'backup',
      name: 'Backup model',
      kind: 'openai',
      baseUrl: `${backup.url}/v1`,
      model: 'backup-model',
      tier: 'local',
      priority: 10,
      locality: 'local',
      apiKey: 'sk-backup-key-0123456789',
      totpCode: await bed.code(),
    });
    bed.openai.script({ status: 500, message: 'The server had an error while processing your request.' });
    const workflow = await bed.ok<{ id: string }>('POST', '/api/workflows', {
      name: 'Summarise one',
      steps: [
        { id: 'sum', name: 'Summarise', skill: 'llm_transform', config: { prompt: 'Summarise: {input}' } },
      ],
    });
    const run = await bed.ok<RunView>('POST', `/api/workflows/${workflow.id}/runs?wait=true`, {
      input: 'A long text.',
    });
    expect(run).toMatchObject({ status: 'completed', output: 'Answer from the backup.' });
    const detail = await runDetail(run.id);
    expect(detail.steps[0]?.apiCalls.find((call) => call.method === 'llm.complete')?.note).toBe(
      `answered by backup (backup-model) after openai: http_500`,
    );
    const usage = await bed.ok<{ rows: { providerId: string; requests: number; errors: number }[] }>(
      'GET',
      '/api/llm/usage',
    );
    const today = (id: string) => usage.rows.find((row) => row.providerId === id);
    expect(today('backup')).toMatchObject({ requests: 1, errors: 0 });
    expect(today('openai')?.errors).toBeGreaterThanOrEqual(1);
    await bed.ok('DELETE', `/api/llm/providers/backup`, { totpCode: await bed.code() });
  });

  it("answers the owner's free text in Telegram with the built-in chat workflow", async () => {
    const workflows = await bed.ok<{ workflows: { name: string }[] }>('GET', '/api/workflows');
    expect(workflows.workflows.map((workflow) => workflow.name)).toContain('chat');
    await bed.ok('PUT', '/api/settings/telegram.free_text_workflow', {
      value: 'chat',
      totpCode: await bed.code(),
    });
    bed.openai.script({ answer: 'Hello! Two workflows ran today.' }, { answer: 'You asked what ran today.' });
    const since = bed.telegram.sent.length;
    bed.telegram.message({ chatId: OWNER_CHAT, text: 'Hi Talon, what ran today?' });
    const reply = await bed.telegram.waitForSent((sent) => sent.text.startsWith('Hello!'), {
      since,
      timeoutMs: 30_000,
    });
    expect(reply).toMatchObject({ chat_id: String(OWNER_CHAT), text: 'Hello! Two workflows ran today.' });
    // The next message carries the conversation so far.
    bed.telegram.message({ chatId: OWNER_CHAT, text: 'What did I ask?' });
    await bed.telegram.waitForSent((sent) => sent.text === 'You asked what ran today.', {
      since,
      timeoutMs: 30_000,
    });
    const body = bed.openai.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
    expect(body.messages.filter((message) => message.role !== 'system')).toEqual([
      { role: 'user', content: 'Hi Talon, what ran today?' },
      { role: 'assistant', content: 'Hello! Two workflows ran today.' },
      { role: 'user', content: 'What did I ask?' },
    ]);
  });
});
