import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '@talon/skill-runtime/recipes/index.ts';
import { DOWNLOAD_STEP, LOGIN_STEPS, siteRecipe } from '@talon/sidecar-automator/testing/recipes.ts';
import { OWNER_CHAT, startAutomationBed, type AutomationBed } from './support/automation-bed.ts';

// Recipes replayed from workflows (the web_automation core skill) and from Telegram, in a started
// Talon whose sidecar it supervises, against the sidecar tests' site on loopback.
let bed: AutomationBed;

beforeAll(async () => {
  bed = await startAutomationBed();
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

interface RecipeDetail {
  id: string;
  name: string;
  status: string;
  version: number;
  secrets: { handle: string; settingKey: string; set: boolean }[];
}
interface RunView {
  id: string;
  status: string;
  output: unknown;
  error: { code: string; message: string; stepId: string } | null;
}
interface StepView {
  outcome: string;
  branch: string | null;
  errorCode: string | null;
  outputSnapshot: unknown;
}

/** A recipe imported, its secrets set and approved with codes, as the owner does on the Automations screen. */
async function readyRecipe(recipe: Recipe, secrets: Record<string, string>): Promise<RecipeDetail> {
  const imported = await bed.admin.ok<RecipeDetail>('POST', '/api/automations/recipes', { recipe });
  expect(imported.status).toBe('draft');
  for (const secret of imported.secrets) {
    await bed.admin.ok('PUT', `/api/settings/${secret.settingKey}`, { value: secrets[secret.handle], totpCode: await bed.code() });
  }
  return bed.admin.ok<RecipeDetail>('POST', `/api/automations/recipes/${imported.id}/approve`, {
    version: imported.version,
    totpCode: await bed.code(),
  });
} // prettier-ignore

async function runWorkflow(name: string, recipe: string): Promise<{ run: RunView; steps: StepView[] }> {
  const workflow = await bed.admin.ok<{ id: string }>('POST', '/api/workflows', {
    name,
    steps: [{ id: 'replay', name: 'Replay', skill: 'web_automation', config: { recipe } }],
  });
  const run = await bed.admin.ok<RunView>('POST', `/api/workflows/${workflow.id}/runs?wait=true`, {});
  return bed.admin.ok('GET', `/api/workflows/runs/${run.id}`);
}

const secrets = () => ({ password: bed.site.password, code: bed.site.code });

describe('replaying a recipe', () => {
  it('from a workflow: logs in, downloads the report, and the admin serves the very bytes', async () => {
    const recipe = await readyRecipe(siteRecipe(bed.site, { name: 'report', steps: [...LOGIN_STEPS, DOWNLOAD_STEP] }), secrets());
    expect(recipe).toMatchObject({ status: 'ready', secrets: [{ handle: 'password', set: true }, { handle: 'code', set: true }] });
    const { run, steps } = await runWorkflow('Monthly report', 'report');
    expect(run.status).toBe('completed');
    expect(steps[0]).toMatchObject({ outcome: 'succeeded', branch: 'on_success' });
    expect(run.output).toMatch(/^Replayed report: succeeded in [\d.]+ s \(7 steps\)\.\n1 file downloaded: monthly_report\.csv \(65536 bytes\)$/);
    expect(JSON.stringify(steps)).not.toContain(bed.site.password);

    const detail = await bed.admin.ok<{ runs: { id: string; trigger: string; files: { name: string; url: string }[] }[] }>(
      'GET',
      `/api/automations/recipes/${recipe.id}`,
    );
    const [last] = detail.runs;
    expect(last).toMatchObject({ trigger: 'workflow', files: [{ kind: 'downloads', name: 'monthly_report.csv' }] });
    const file = await bed.admin.request('GET', last!.files[0]!.url);
    expect(file.status).toBe(200);
    expect(file.bytes.equals(bed.site.report)).toBe(true);
    // Kept under the data folder; the sidecar's own copy is gone.
    const kept = path.join(bed.dataDir, 'automation', 'runs', last!.id, 'downloads', 'monthly_report.csv');
    expect(readFileSync(kept).equals(bed.site.report)).toBe(true);
    expect(existsSync(path.join(bed.dataDir, 'automator', 'runs'))).toBe(true);
    const sidecarRuns = readdirOrEmpty(path.join(bed.dataDir, 'automator', 'runs'));
    expect(sidecarRuns).toEqual([]);
  }); // prettier-ignore

  it('now, from the admin: the report lists the file; a session kept on request, encrypted', async () => {
    const detail = await bed.admin.ok<RecipeDetail & { recipe: Recipe }>('GET', `/api/automations/recipes/${(await bed.talon.automation.recipes.store.byName('report')).id}`);
    // Keeping the session changes nothing the recipe may reach: no code needed.
    const kept = await bed.admin.ok<{ keepSession: boolean; version: number }>('PUT', `/api/automations/recipes/${detail.id}`, {
      version: detail.version,
      recipe: detail.recipe,
      keepSession: true,
    });
    expect(kept.keepSession).toBe(true);
    const report = await bed.admin.ok<{ status: string; downloads: { name: string; url: string; sha256: string }[] }>(
      'POST',
      `/api/automations/recipes/${detail.id}/replay`,
      {},
    );
    expect(report).toMatchObject({ status: 'succeeded', downloads: [{ name: 'monthly_report.csv', sha256: bed.site.reportSha256 }] });
    expect((await bed.admin.request('GET', report.downloads[0]!.url)).bytes.equals(bed.site.report)).toBe(true);
    const session = JSON.parse(bed.talon.settings.getString('automation.session.report')) as { cookies: { name: string }[] };
    expect(session.cookies.map((cookie) => cookie.name)).toEqual(['session']);
    const stored = await bed.talon.database.pool.oneFirst(
      sql.unsafe`SELECT value FROM settings WHERE key = 'automation.session.report'`,
    );
    expect(stored).toMatch(/^enc:/);
    expect((await bed.admin.ok<{ sessionKept: boolean }>('GET', `/api/automations/recipes/${detail.id}`)).sessionKept).toBe(true);
  }); // prettier-ignore

  it('fails the workflow step with its reason when a step navigates off the allowlist', async () => {
    const port = new URL(bed.site.url).port;
    await readyRecipe(
      siteRecipe(bed.site, {
        name: 'wanders-off',
        secrets: [],
        steps: [{ type: 'navigate', url: `http://localhost:${port}/login` }],
      }),
      {},
    );
    const { run, steps } = await runWorkflow('Wanders off', 'wanders-off');
    expect(run).toMatchObject({ status: 'failed', error: { code: 'skill_error', stepId: 'replay' } });
    expect(steps[0]).toMatchObject({ outcome: 'failed', errorCode: 'skill_error' });
    expect(JSON.stringify(steps[0]?.outputSnapshot)).toContain(
      `Replay of wanders-off failed at step 1 (blocked_request): `,
    );
    expect(JSON.stringify(steps[0]?.outputSnapshot)).toContain(
      `localhost:${port} is not on the recipe's allowlist`,
    );
  });

  it('refuses a draft nobody approved, and says what is missing', async () => {
    await bed.admin.ok('POST', '/api/automations/recipes', {
      recipe: siteRecipe(bed.site, { name: 'unreviewed', steps: LOGIN_STEPS }),
    });
    const { run, steps } = await runWorkflow('Unreviewed', 'unreviewed');
    expect(run.status).toBe('failed');
    expect(JSON.stringify(steps[0]?.outputSnapshot)).toContain('Automation error: recipe_not_reviewed');
  });

  it('from Telegram: /replay asks for a code bound to that recipe, then sends the report', async () => {
    const since = bed.telegram.sent.length;
    bed.telegram.message({ chatId: OWNER_CHAT, text: '/automations' });
    const listing = await bed.telegram.waitForSent((sent) => sent.text.includes('recipes:'), { since });
    expect(listing.text).toMatch(/• report — ready, last replay succeeded/);
    expect(listing.text).toContain('• unreviewed — draft');

    bed.telegram.message({ chatId: OWNER_CHAT, text: '/replay unreviewed' });
    await bed.telegram.waitForSent((sent) => sent.text.includes('unreviewed is a draft'), { since });

    bed.telegram.message({ chatId: OWNER_CHAT, text: '/replay report' });
    await bed.telegram.waitForSent((sent) => /code/i.test(sent.text) && sent.text.includes('replay “report”'), { since });
    bed.telegram.message({ chatId: OWNER_CHAT, text: '000000' });
    await bed.telegram.waitForSent((sent) => /wrong|invalid/i.test(sent.text), { since });
    bed.telegram.message({ chatId: OWNER_CHAT, text: await bed.code() });
    await bed.telegram.waitForSent((sent) => sent.text.startsWith('Code accepted: replaying report'), { since });
    const report = await bed.telegram.waitForSent((sent) => sent.text.startsWith('Replayed report'), { since, timeoutMs: 60_000 });
    expect(report.text).toContain('1 file downloaded: monthly_report.csv (65536 bytes)');
    expect(report.chat_id).toBe(String(OWNER_CHAT));
    // The file itself came first, as a document with the very bytes the site served.
    expect(report.text).toContain('Sent above as 1 document: monthly_report.csv');
    expect(report.text).not.toContain('Not sent here');
    const documents = bed.telegram.documentsTo(OWNER_CHAT);
    expect(documents).toHaveLength(1);
    expect(documents[0]!.document).toMatchObject({ file_name: 'monthly_report.csv', mime_type: 'text/csv', file_size: 65_536 });
    expect(documents[0]!.bytes.equals(bed.site.report)).toBe(true);
    expect(documents[0]!.caption).toBe('From the replay of report');
    expect(documents[0]!.message_id).toBeLessThan(report.message_id);
    const runs = await bed.talon.automation.runs.forRecipe((await bed.talon.automation.recipes.store.byName('report')).id);
    expect(runs.map((r) => r.trigger)).toEqual(['telegram', 'admin', 'workflow']);
  }); // prettier-ignore
});

describe('recording from Telegram', () => {
  it('/record asks for a code for that URL, answers with a link into the admin, /automations lists it, /record stop saves the draft', async () => {
    await bed.admin.ok('PUT', '/api/settings/server.public_url', { value: 'https://talon.example.org', totpCode: await bed.code() });
    const since = bed.telegram.sent.length;
    bed.telegram.message({ chatId: OWNER_CHAT, text: '/record ftp://files.example/' });
    await bed.telegram.waitForSent((sent) => sent.text.startsWith('Usage: /record <url>'), { since });

    // Starting a browser from the chat is sensitive: a code bound to that URL, a wrong one refused.
    bed.telegram.message({ chatId: OWNER_CHAT, text: `/record ${bed.site.url}/login` });
    await bed.telegram.waitForSent((sent) => /code/i.test(sent.text) && sent.text.includes(`record on ${bed.site.url}/login`), { since });
    bed.telegram.message({ chatId: OWNER_CHAT, text: '000000' });
    await bed.telegram.waitForSent((sent) => /wrong|invalid/i.test(sent.text), { since });
    expect((await bed.talon.automation.recordings()).filter((recording) => recording.state !== 'stopped')).toEqual([]);
    bed.telegram.message({ chatId: OWNER_CHAT, text: await bed.code() });
    const started = await bed.telegram.waitForSent((sent) => sent.text.startsWith('Recording '), { since, timeoutMs: 30_000 });
    const id = /recording=([0-9a-f-]{36})/.exec(started.text)?.[1];
    expect(id).toBeDefined();
    expect(started.text).toContain(`started on ${bed.site.url}/login`);
    expect(started.text).toContain(`Act in the browser from the Automations screen: https://talon.example.org/automations?recording=${id}`);
    expect(started.text).toContain(`Send /record stop ${id!.slice(0, 8)} when you are done.`);

    bed.telegram.message({ chatId: OWNER_CHAT, text: '/automations' });
    const listing = await bed.telegram.waitForSent((sent) => sent.text.includes('• recording '), { since });
    expect(listing.text).toContain(`(${id!.slice(0, 8)}) on ${bed.site.url}/login`);

    bed.telegram.message({ chatId: OWNER_CHAT, text: `/record stop ${id!.slice(0, 8)}` });
    const saved = await bed.telegram.waitForSent((sent) => sent.text.startsWith('Saved the draft recipe'), { since, timeoutMs: 30_000 });
    const recipe = await bed.talon.automation.recipes.store.bySourceRecording(id!);
    expect(recipe?.status).toBe('draft');
    expect(saved.text).toContain(`Saved the draft recipe ${recipe!.name}: 0 steps.`);
    expect(saved.text).toContain(`https://talon.example.org/automations/recipes/${recipe!.id}`);
  }); // prettier-ignore
});

describe('with several nodes', () => {
  it('sends runs of workflows with a web_automation step to the node web_automator.node names', async () => {
    const pool = bed.talon.database.pool;
    await bed.admin.ok('PUT', '/api/settings/web_automator.node', { value: 'node-with-browser', totpCode: await bed.code() });
    try {
      const automated = await bed.admin.ok<{ id: string }>('POST', '/api/workflows', {
        name: 'Report elsewhere',
        steps: [{ id: 'replay', name: 'Replay', skill: 'web_automation', config: { recipe: 'report' } }],
      });
      const plain = await bed.admin.ok<{ id: string }>('POST', '/api/workflows', {
        name: 'Echo here',
        steps: [{ id: 'echo', name: 'Echo', skill: 'echo', config: {} }],
      });
      const waiting = await bed.admin.ok<RunView>('POST', `/api/workflows/${automated.id}/runs`, {});
      expect(waiting.status).toBe('queued');
      const queue = await pool.oneFirst(sql.unsafe`SELECT name FROM pgboss.job WHERE data->>'runId' = ${waiting.id}`);
      expect(queue).toBe('talon.workflow-run.node.node-with-browser');
      // This node has no sidecar now, and runs everything else as before.
      expect(bed.talon.automation.status().sidecar).toMatchObject({ state: 'other_node', pid: null });
      const ran = await bed.admin.ok<RunView>('POST', `/api/workflows/${plain.id}/runs?wait=true`, { input: 'hi' });
      expect(ran.status).toBe('completed');
      expect((await bed.admin.ok<RunView>('GET', `/api/workflows/runs/${waiting.id}`).then((detail) => (detail as unknown as { run: RunView }).run)).status).toBe('queued');
    } finally {
      await bed.admin.ok('PUT', '/api/settings/web_automator.node', { value: '', totpCode: await bed.code() });
    }
  }); // prettier-ignore
});

function readdirOrEmpty(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}
