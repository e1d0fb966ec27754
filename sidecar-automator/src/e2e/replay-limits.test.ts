import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '@talon/skill-runtime/recipes/index.ts';
import type { ReplayResult } from '../replay/replay-result.ts';
import { commandLine, descendants } from '../testing/processes.ts';
import { DOWNLOAD_STEP, LOGIN_STEPS, siteRecipe, target } from '../testing/recipes.ts';
import { startTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { startTestSite, type TestSite } from '../testing/test-site.ts';

const MB = 1024 * 1024;
let site: TestSite;
/** 1 MB a file, 2 replays at once. */
let sidecar: TestSidecar;
/** 100 KB per recipe: room for one 64 KB report, not two. */
let smallQuota: TestSidecar;

beforeAll(async () => {
  site = await startTestSite({ bigFileBytes: 4 * MB });
  sidecar = await startTestSidecar({ maxDownloadBytes: MB, maxConcurrentReplays: 2 });
  smallQuota = await startTestSidecar({ maxRecipeDownloadBytes: 100 * 1024 });
});
afterAll(async () => {
  await sidecar?.close();
  await smallQuota?.close();
  await site?.close();
});

async function replay(on: TestSidecar, recipe: Recipe) {
  const secrets = recipe.secrets.length > 0 ? { password: site.password, code: site.code } : {};
  const response = await on.call('POST', '/replays', { recipe, secrets });
  return { status: response.status, body: (await response.json()) as ReplayResult & { error?: unknown } };
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 15_000;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function runningReplays(on: TestSidecar): Promise<number> {
  const health = (await (await on.call('GET', '/health')).json()) as { replays: { running: number } };
  return health.replays.running;
}

const waiting = (ms: number) =>
  siteRecipe(site, { secrets: [], stepTimeoutMs: 30_000, steps: [{ type: 'wait', ms }] });

describe('download caps', () => {
  it('cancels a download larger than the per-file cap and fails its step, keeping nothing', async () => {
    const bigDownload: Recipe['steps'][number] = {
      type: 'download',
      target: target({ kind: 'role', role: 'link', name: 'A very large file' }),
    };
    const { body } = await replay(
      sidecar,
      siteRecipe(site, { name: 'big-file', steps: [...LOGIN_STEPS, bigDownload] }),
    );
    expect(body.error).toEqual({
      code: 'download_too_large',
      step: 6,
      message: 'The download big.bin passed 1 MB, the limit for one file',
    });
    expect(body.downloads).toEqual([]);
    expect(await sidecar.sidecar.runFiles.usageOf('big-file')).toBeLessThan(MB); // the failure screenshot only
  });

  it("fails a download that would pass the recipe's quota, after one that fits", async () => {
    const recipe = siteRecipe(site, { name: 'quota', steps: [...LOGIN_STEPS, DOWNLOAD_STEP] });
    const first = await replay(smallQuota, recipe);
    expect(first.body.status).toBe('succeeded');
    expect(first.body.downloads[0]?.sha256).toBe(site.reportSha256);
    const second = await replay(smallQuota, recipe);
    expect(second.body.error).toMatchObject({ code: 'download_quota_exceeded', step: 6 });
    expect(second.body.error).toHaveProperty(
      'message',
      expect.stringContaining("this recipe's storage quota"),
    );
    // Deleting the first run's files makes room again.
    expect((await smallQuota.call('DELETE', `/files/${first.body.id}`)).status).toBe(204);
    expect((await smallQuota.call('DELETE', `/files/${second.body.id}`)).status).toBe(204);
    expect((await replay(smallQuota, recipe)).body.status).toBe('succeeded');
  });
});

describe('concurrency and crashes', () => {
  it('runs two replays at once and refuses a third with replays_busy', async () => {
    const first = replay(sidecar, waiting(2_500));
    const second = replay(sidecar, waiting(2_500));
    await until(async () => (await runningReplays(sidecar)) === 2, 'two replays running');
    const third = await replay(sidecar, waiting(10));
    expect(third.status).toBe(429);
    expect(third.body).toEqual({
      error: 'replays_busy',
      message: '2 replays are running, the most this sidecar runs at once; try again when one finishes',
    });
    expect((await first).body.status).toBe('succeeded');
    expect((await second).body.status).toBe('succeeded');
    expect((await replay(sidecar, waiting(10))).body.status).toBe('succeeded');
  });

  it('fails the replay whose browser crashed, and starts a new browser for the next', async () => {
    const seen = site.requests.length;
    const running = replay(sidecar, waiting(20_000));
    // Once the start page has loaded, the replay is in its 20 s wait step.
    await until(async () => site.requests.length > seen, 'the start page');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Kill every replay browser of this sidecar: the running replay's is among them.
    for (const pid of chromiumBrowsers()) process.kill(pid, 'SIGKILL');
    const { body } = await running;
    expect(body.status).toBe('failed');
    expect(body.error).toMatchObject({ code: 'browser_crashed', step: 0 });
    const next = await replay(sidecar, siteRecipe(site, { steps: LOGIN_STEPS }));
    expect(next.body.status).toBe('succeeded');
  });
});

/** The Chromium browser processes (not renderers or helpers) this test process started. */
function chromiumBrowsers(): number[] {
  return descendants().filter((pid) => {
    const command = commandLine(pid);
    return (
      command.includes('/chromium') &&
      command.includes('--remote-debugging-pipe') &&
      !command.includes('--type=')
    );
  });
}
