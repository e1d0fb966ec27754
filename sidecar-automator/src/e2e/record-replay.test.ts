import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '@talon/skill-runtime/recipes/index.ts';
import type { RecordingResult } from '../recording/recording-session.ts';
import type { RecordingView } from '../recording/recordings.ts';
import type { ReplayResult } from '../replay/replay-result.ts';
import { logInAndDownload } from '../testing/owner.ts';
import { startTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { startTestSite, type TestSite } from '../testing/test-site.ts';

let site: TestSite;
let sidecar: TestSidecar;

beforeAll(async () => {
  site = await startTestSite();
  sidecar = await startTestSidecar();
});
afterAll(async () => {
  await sidecar?.close();
  await site?.close();
});

async function replay(body: Record<string, unknown>): Promise<{ status: number; result: ReplayResult }> {
  const response = await sidecar.call('POST', '/replays', body);
  return { status: response.status, result: (await response.json()) as ReplayResult };
}

describe('record once, replay headless', () => {
  let recipe: Recipe;

  it('records logging in and downloading a report from an iframe, with the password as a handle', async () => {
    const started = await sidecar.call('POST', '/recordings', { url: `${site.url}/login`, name: 'monthly-report' });
    expect(started.status).toBe(201);
    const view = (await started.json()) as RecordingView;
    expect(view).toMatchObject({ state: 'recording', display: { width: 1280, height: 800 }, liveView: `/recordings/${view.id}/vnc` });

    const context = sidecar.sidecar.recordings.contextOf(view.id);
    const page = context?.pages()[0];
    if (!page) throw new Error('the recording has no page');
    await logInAndDownload(page, site);

    const stopped = await sidecar.call('POST', `/recordings/${view.id}/stop`);
    expect(stopped.status).toBe(200);
    const body = (await stopped.json()) as RecordingResult & { recording: RecordingView };
    recipe = body.recipe;
    expect(body.problems).toEqual([]);
    expect(body.recording.state).toBe('stopped');
    // Typed secrets are handles; their values are nowhere in what the sidecar answers.
    expect(JSON.stringify(body)).not.toContain(site.password);
    expect(JSON.stringify(body)).not.toContain(site.code);
    expect(recipe.secrets.map((secret) => secret.handle)).toEqual(['password', 'one_time_code']);
    expect(recipe.steps.map((step) => step.type)).toEqual(['fill', 'fill', 'fill', 'select', 'check', 'press', 'download']);
    expect(recipe.steps[0]).toMatchObject({
      value: { literal: site.user },
      target: { locators: [{ kind: 'role', role: 'textbox', name: 'Username' }, { kind: 'label', label: 'Username' }, { kind: 'css' }] },
    });
    expect(recipe.steps[1]).toMatchObject({ value: { secret: 'password' }, target: { locators: [{ kind: 'label', label: 'Password' }, { kind: 'css', selector: '#pw' }] } });
    expect(recipe.steps[2]).toMatchObject({ value: { secret: 'one_time_code' } });
    expect(recipe.steps[3]).toMatchObject({ values: ['us'] });
    expect(recipe.steps[4]).toMatchObject({ checked: true });
    const firstLocator = (index: number) => (recipe.steps[index] as { target: { locators: unknown[] } }).target.locators[0];
    expect(firstLocator(3)).toEqual({ kind: 'role', role: 'combobox', name: 'Region' });
    expect(firstLocator(4)).toEqual({ kind: 'role', role: 'checkbox', name: 'Remember me' });
    expect(recipe.steps[5]).toMatchObject({ key: 'Enter' });
    expect(recipe.steps[6]).toMatchObject({ target: { frames: ['iframe[title="Report export"]'] } });
    expect(firstLocator(6)).toEqual({ kind: 'role', role: 'button', name: 'Download report' });
    // The allowlist is what the recording reached: this site, on its loopback address.
    expect(recipe.allowedDomains).toEqual([new URL(site.url).host]);
    expect(recipe.allowedPrivateAddresses).toEqual(['127.0.0.1']);
    expect(recipe.startUrl).toBe(`${site.url}/login`);
    // The file downloaded while recording is kept too.
    expect(body.downloads).toMatchObject([{ name: 'monthly_report.csv', bytes: site.report.length, sha256: site.reportSha256 }]);
  }); // prettier-ignore

  it('refuses to replay without the secrets the steps use, naming them only', async () => {
    const { status, result } = await replay({ recipe, secrets: { password: site.password } });
    expect(status).toBe(400);
    expect(result).toEqual({
      error: 'secrets_missing',
      message: 'The replay needs the secrets one_time_code',
    });
  });

  let storageState: unknown;

  it('replays it headless with the secrets supplied and downloads the same bytes', async () => {
    const { status, result } = await replay({
      recipe: { ...recipe, stepTimeoutMs: 5_000 },
      secrets: { password: site.password, one_time_code: site.code },
      returnStorageState: true,
    });
    expect(status).toBe(200);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((step) => step.status)).toEqual(Array(7).fill('succeeded'));
    expect(result.steps[6]?.locator).toBe(
      'iframe[title="Report export"] >> role=button[name="Download report"]',
    );
    expect(result.downloads).toMatchObject([
      { step: 6, bytes: site.report.length, sha256: site.reportSha256 },
    ]);
    const file = await sidecar.call('GET', result.downloads[0]?.url ?? '/missing');
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await file.arrayBuffer()).equals(site.report)).toBe(true);
    expect(JSON.stringify(result)).not.toContain(site.password);
    storageState = result.storageState;
    expect(storageState).toMatchObject({
      cookies: [{ name: 'session', domain: '127.0.0.1', httpOnly: true }],
    });

    expect((await sidecar.call('DELETE', `/files/${result.id}`)).status).toBe(204);
    expect((await sidecar.call('GET', result.downloads[0]?.url ?? '/missing')).status).toBe(404);
  });

  it('skips the login with the session state a previous replay returned', async () => {
    const downloadOnly: Recipe = {
      ...recipe,
      name: 'report-only',
      startUrl: `${site.url}/reports`,
      stepTimeoutMs: 3_000,
      secrets: [],
      steps: recipe.steps.slice(6),
    };
    const withSession = await replay({ recipe: downloadOnly, storageState });
    expect(withSession.result.status).toBe('succeeded');
    expect(withSession.result.downloads[0]?.sha256).toBe(site.reportSha256);

    // Without it the site sends the browser to its login page, and the step says what it could not find.
    const without = await replay({ recipe: downloadOnly });
    expect(without.result.status).toBe('failed');
    expect(without.result.error).toMatchObject({ code: 'element_not_found', step: 0 });
    expect(without.result.error?.message).toContain(
      'iframe[title="Report export"] >> role=button[name="Download report"] (0 matches)',
    );
    expect(without.result.screenshots).toMatchObject([
      { name: 'failure-step-0.png', step: 0, reason: 'failure' },
    ]);
    const screenshot = await sidecar.call('GET', without.result.screenshots[0]?.url ?? '/missing');
    expect(
      Buffer.from(await screenshot.arrayBuffer())
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
  });
});

describe('a password field the page reveals', () => {
  it('stays a secret handle after "show password" turned it into a text field', async () => {
    const started = (await (
      await sidecar.call('POST', '/recordings', { url: `${site.url}/reveal` })
    ).json()) as RecordingView;
    const page = sidecar.sidecar.recordings.contextOf(started.id)?.pages()[0];
    if (!page) throw new Error('the recording has no page');
    await page.getByRole('button', { name: 'Show password' }).click();
    await page.locator('#secret').click();
    await page.keyboard.type(site.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    const body = (await (
      await sidecar.call('POST', `/recordings/${started.id}/stop`)
    ).json()) as RecordingResult;
    expect(JSON.stringify(body)).not.toContain(site.password);
    expect(body.recipe.steps.map((step) => step.type)).toEqual(['click', 'fill', 'click']);
    expect(body.recipe.steps[1]).toMatchObject({ value: { secret: 'secret' } });
  });
});
